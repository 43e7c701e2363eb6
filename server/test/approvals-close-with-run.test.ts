import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { startFakeMcpHttp, type FakeMcpHttp } from './helpers/fake-mcp-http';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/**
 * A run and its approvals agree: when the run ends before anyone decided (canceled, failed, timed
 * out), its pending approvals close with it, say why, leave the pending list, and a late decision is
 * 409 `approval_closed`. A real server, a real runner process, real HTTP.
 */
let s: TestServer;
let runner: RunnerProcess;
let mcp: FakeMcpHttp;
const dataDir = makeDataDir();

beforeAll(async () => {
  s = await startServer({ dataDir, env: { WEFT_TOKEN: 'approvals-close-token-0123456789' }, config: { engineTickMs: 50 } });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir });
  mcp = await startFakeMcpHttp();
  const created = await s.request('POST', '/api/integrations', { body: { provider: 'mcp', name: 'remote', config: { url: mcp.url } } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await waitUntil(async () => (await s.request('GET', '/api/integrations/remote')).body.status === 'ready', 15_000, 'the MCP integration');
});
afterAll(async () => {
  await runner.kill('SIGKILL');
  await s.close();
  await mcp.close();
});

async function start(definition: unknown): Promise<string> {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  return run.body.executionId;
}

const pending = async () => (await s.request('GET', '/api/approvals?status=pending')).body.approvals as any[];

async function pendingApproval(match: (a: any) => boolean, what: string): Promise<any> {
  let found: any;
  await waitUntil(
    async () => {
      found = (await pending()).find(match);
      return found !== undefined;
    },
    20_000,
    what,
  );
  return found;
}

/** Every event of `topic` about approval `id`, as `GET /api/events` answers them. */
async function approvalEvents(topic: string, id: string): Promise<any[]> {
  const res = await s.request('GET', `/api/events?topic=${encodeURIComponent(topic)}&limit=1000`);
  expect(res.status).toBe(200);
  return res.body.events.filter((e: any) => e.data?.id === id);
}

/** The approval is closed for `reason`, gone from the pending list, journaled, and refuses both decisions. */
async function expectClosed(approvalId: string, { reason, message, topics }: { reason: string; message: RegExp; topics: string[] }) {
  const approval = (await s.request('GET', `/api/approvals/${approvalId}`)).body;
  expect(approval).toMatchObject({ status: 'closed', closed: { reason, message: expect.stringMatching(message) } });
  expect(approval.decision).toBeUndefined();
  expect((await pending()).map((a) => a.id)).not.toContain(approvalId);
  const decided = (await s.request('GET', '/api/approvals?status=decided')).body.approvals;
  expect(decided.map((a: any) => a.id)).toContain(approvalId);
  for (const topic of topics) {
    const types = (await approvalEvents(topic, approvalId)).map((e) => e.type);
    expect(types, topic).toEqual(['approval.requested', 'approval.closed']);
  }
  for (const decision of ['approve', 'deny']) {
    const late = await s.request('POST', `/api/approvals/${approvalId}/decision`, { body: { decision } });
    expect(late.status, decision).toBe(409);
    expect(late.body.error.code).toBe('approval_closed');
    expect(late.body.error.message).toMatch(message);
  }
}

describe('a run that ends closes its pending approvals', () => {
  it('canceling a run waiting at an approval step closes the approval in the cancel itself', async () => {
    const executionId = await start({ name: 'Gated', steps: [{ id: 'gate', type: 'approval', message: 'Ship it?' }] });
    const approval = await pendingApproval((a) => a.executionId === executionId, 'the step approval');
    const canceled = await s.request('POST', `/api/executions/${executionId}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    // No waiting: the cancel's answer is sent after its transaction, which closed the approval too.
    await expectClosed(approval.id, { reason: 'execution_canceled', message: /run was canceled/, topics: ['approvals', `execution:${executionId}`] });
    // The closing came in the same transaction as the run's end: its event sits right before execution.updated.
    const events = (await s.request('GET', `/api/events?topic=execution:${executionId}&limit=1000`)).body.events;
    const closedAt = events.findIndex((e: any) => e.type === 'approval.closed');
    expect(events[closedAt + 1]).toMatchObject({ type: 'execution.updated', data: { status: 'canceled' } });
  });

  it('a run that fails while its approval waits closes it with the failure', async () => {
    const executionId = await start({ name: 'Gated failing', steps: [{ id: 'gate', type: 'approval', message: 'Go on?' }] });
    const approval = await pendingApproval((a) => a.executionId === executionId, 'the step approval');
    // The engine's one way to end a run (ingest, denials and cancel all go through it).
    s.app.journal.transaction(() => {
      s.app.executions.finishWithin(executionId, { status: 'failed', error: { name: 'StepFailedError', message: 'disk full' } });
    });
    await expectClosed(approval.id, { reason: 'execution_failed', message: /run failed.*disk full/, topics: ['approvals', `execution:${executionId}`] });
  });

  it("a run whose step times out while a workflow's tool call waits for a person closes that tool approval", async () => {
    const executionId = await start({
      name: 'Erase slowly',
      requires: ['remote'],
      steps: [{ id: 'erase', type: 'tool', tool: 'remote:erase', arguments: { id: 'r1' }, timeoutSeconds: 2 }],
    });
    const approval = await pendingApproval((a) => a.kind === 'tool' && a.message.includes(executionId), 'the tool approval');
    // The held call belongs to its run: the inbox finds it by execution, and it says which step asks.
    expect(approval).toMatchObject({ executionId, stepId: 'erase', iterationPath: '' });
    const byRun = (await s.request('GET', `/api/approvals?executionId=${executionId}`)).body.approvals;
    expect(byRun.map((a: any) => a.id)).toContain(approval.id);
    const ex = await finishedExecution(s, executionId);
    expect(ex.status).toBe('failed');
    await expectClosed(approval.id, { reason: 'execution_timed_out', message: /run timed out/, topics: ['approvals', `execution:${executionId}`] });
    expect(mcp.calls).toEqual([]);
  });
});
