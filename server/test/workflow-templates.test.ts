import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WORKFLOW_TEMPLATES, type WorkflowTemplate } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/**
 * Every gallery template saves as it is, and every one that needs no integration runs to success
 * on a real runner with no network and no model (the health check calls a local server).
 */
let s: TestServer;
let r: RunnerProcess;
let target: http.Server;
let targetUrl: string;
const dataDir = makeDataDir();

beforeAll(async () => {
  s = await startServer({ dataDir, config: { engineTickMs: 50 } });
  // The clean-up template works on a directory of the host: the runner's sandbox is told, as its `needs` say.
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir, env: { WEFT_HTTP_ALLOW: '127.0.0.1', WEFT_SANDBOX_WRITE_PATHS: dataDir } });
  target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
  await new Promise<void>((res) => target.listen(0, '127.0.0.1', res));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}/health`;
});
afterAll(async () => {
  await r.kill('SIGTERM');
  await s.close();
  await new Promise((res) => target.close(res));
});

const template = (id: string): WorkflowTemplate => WORKFLOW_TEMPLATES.find((t) => t.id === id)!;

async function save(t: WorkflowTemplate): Promise<string> {
  const res = await s.request('POST', '/api/workflows', { body: { definition: t.definition } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}
async function run(workflowId: string, inputs: Record<string, unknown> = {}): Promise<any> {
  const res = await s.request('POST', `/api/workflows/${workflowId}/run`, { body: { inputs } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.executionId;
}
const outputOf = (ex: any, stepId: string) => ex.steps.filter((st: any) => st.stepId === stepId).sort((a: any, b: any) => b.attempt - a.attempt)[0];

describe('the template gallery', () => {
  it.each(WORKFLOW_TEMPLATES.map((t) => [t.id, t] as const))('%s saves as a workflow', async (_id, t) => {
    const id = await save(t);
    expect((await s.request('GET', `/api/workflows/${id}`)).body.definition).toEqual(t.definition);
  });

  it('schedule + shell + notify runs', async () => {
    const ex = await finishedExecution(s, await run(await save(template('schedule-shell-notify'))));
    expect(ex.status).toBe('succeeded');
    expect(outputOf(ex, 'disk_usage').output.stdout).toMatch(/Filesystem|\//);
  });

  it('webhook + agent summary runs offline (the agent answers with its offline notice)', async () => {
    const ex = await finishedExecution(s, await run(await save(template('webhook-agent-summary'))));
    expect(ex.status).toBe('succeeded');
    expect(outputOf(ex, 'summarise').output.text).toMatch(/^\[offline\]/);
  });

  it('approval before a destructive command deletes only after the approval', async () => {
    const dir = fs.mkdtempSync(path.join(dataDir, 'cleanup-'));
    fs.writeFileSync(path.join(dir, 'old.tmp'), 'x');
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
    const executionId = await run(await save(template('approval-before-destructive')), { directory: dir });
    let approval: any;
    await waitUntil(
      async () => {
        approval = (await s.request('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals[0];
        return approval !== undefined;
      },
      30_000,
      'the approval',
    );
    expect(approval.message).toContain('old.tmp');
    expect(fs.existsSync(path.join(dir, 'old.tmp'))).toBe(true);
    expect((await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'approve' } })).status).toBe(200);
    expect((await finishedExecution(s, executionId)).status).toBe('succeeded');
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('HTTP health check takes the healthy branch for a 200', async () => {
    const ex = await finishedExecution(s, await run(await save(template('http-health-check')), { url: targetUrl }));
    expect(ex.status).toBe('succeeded');
    expect(outputOf(ex, 'healthy').output).toEqual({ branch: 'then' });
  });

  it('loop over items handles each item', async () => {
    const ex = await finishedExecution(s, await run(await save(template('loop-over-items'))));
    expect(ex.status).toBe('succeeded');
    expect(outputOf(ex, 'each_item').output.count).toBe(3);
  });

  it('retry with backoff succeeds on the third attempt', async () => {
    const ex = await finishedExecution(s, await run(await save(template('retry-with-backoff'))));
    expect(ex.status).toBe('succeeded');
    expect(outputOf(ex, 'flaky')).toMatchObject({ attempt: 3, output: { stdout: 'ready after 3 attempts\n' } });
  });

  it.each(['github-issues-digest', 'mcp-tool-call'])('%s says what it needs, and a run without it is refused as integration_unavailable', async (id) => {
    const t = template(id);
    expect(t.needs.join(' ')).toMatch(/integration/);
    const res = await s.request('POST', `/api/workflows/${await save(t)}/run`, {
      body: { inputs: id === 'github-issues-digest' ? { owner: 'o', repo: 'r' } : {} },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('integration_unavailable');
  });

  it('every template is covered above: run here, or refused for a missing integration', () => {
    const ran = ['schedule-shell-notify', 'webhook-agent-summary', 'approval-before-destructive', 'http-health-check', 'loop-over-items', 'retry-with-backoff'];
    const needIntegration = ['github-issues-digest', 'mcp-tool-call'];
    expect(WORKFLOW_TEMPLATES.map((t) => t.id).sort()).toEqual([...ran, ...needIntegration].sort());
  });
});
