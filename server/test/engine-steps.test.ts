import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { messageText } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { processesWithArgument } from './helpers/processes';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

let s: TestServer;
let r: RunnerProcess;
let target: http.Server;
let targetUrl: string;
const hits: { method?: string; body: string }[] = [];
const dataDir = makeDataDir();
/** Files the steps write for the test to read: outside their run directories, so the runner's sandbox is told. */
const marks = makeDataDir();
/** Credentials the runner process holds; no step process may see them. */
const RUNNER_SECRETS = {
  WEFT_TOKEN: 'runner-env-token-must-not-leak',
  WEFT_SECRET_KEY: 'runner-env-secret-key-must-not-leak',
  ANTHROPIC_API_KEY: 'sk-ant-must-not-leak',
};

beforeAll(async () => {
  s = await startServer({ dataDir, env: { WEFT_TOKEN: 'steps-test-token-0123456789' }, config: { leaseMs: 3000, runnerHeartbeatMs: 500, engineTickMs: 50 } });
  // The http step calls the local target server: loopback is refused unless WEFT_HTTP_ALLOW opens it.
  r = startRunner({
    url: s.url,
    token: s.runnerToken,
    dataDir,
    capacity: 8,
    env: { ...RUNNER_SECRETS, WEFT_HTTP_ALLOW: '127.0.0.1', TZ: 'Europe/Berlin', LANG: 'C.UTF-8', WEFT_SANDBOX_WRITE_PATHS: marks },
  });
  target = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ method: req.method, body });
      if (req.url === '/fail') return res.writeHead(503).end('down');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: ['a', 'b', 'c'], echo: body }));
    });
  });
  await new Promise<void>((res) => target.listen(0, '127.0.0.1', res));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
});
afterAll(async () => {
  await r.kill('SIGTERM');
  await s.close();
  await new Promise((res) => target.close(res));
});

async function start(definition: unknown, body: Record<string, unknown> = {}) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const res = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body });
  return { executionId: res.body.executionId as string, workflowId: wf.body.id as string };
}
const finished = (id: string) => finishedExecution(s, id);
const latest = (ex: any, stepId: string, iterationPath = '') =>
  ex.steps.filter((st: any) => st.stepId === stepId && st.iterationPath === iterationPath).sort((a: any, b: any) => b.attempt - a.attempt)[0];

describe('step types through a real runner', () => {
  it('bash: output, env, non-zero exit fails with the exit code', async () => {
    const { executionId } = await start({
      name: 'Bash',
      inputs: { who: { type: 'string', default: 'weft' } },
      steps: [
        { id: 'hello', type: 'bash', command: 'echo "hi {{ inputs.who }} $WEFT_STEP_ID $WEFT_ATTEMPT"; echo oops >&2' },
        { id: 'boom', type: 'bash', command: 'exit 3' },
        { id: 'never', type: 'bash', command: 'echo never' },
      ],
    });
    const ex = await finished(executionId);
    expect(ex.status).toBe('failed');
    expect(latest(ex, 'hello').output).toMatchObject({ stdout: 'hi weft hello 1\n', stderr: 'oops\n', exitCode: 0 });
    expect(latest(ex, 'boom')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('3') } });
    expect(latest(ex, 'never')).toBeUndefined();
    expect(ex.error.message).toMatch(/boom|3/);
  });

  it('bash: hostile input values reach the command as data, in a minimal environment, in the run directory', async () => {
    const hostile = `x; touch pwned; $(touch pwned2) \`touch pwned3\` '"\n* -n`;
    const { executionId, workflowId } = await start(
      {
        name: 'Hostile',
        inputs: { name: { type: 'string', required: true } },
        steps: [
          { id: 'greet', type: 'bash', command: 'echo hello {{ inputs.name }}' },
          { id: 'quoted', type: 'bash', command: `printf '%s|' "{{ inputs.name }}" '{{ inputs.name }}'` },
          { id: 'env', type: 'bash', command: 'env -0; printf "cwd=%s" "$PWD"' },
        ],
      },
      { inputs: { name: hostile } },
    );
    const ex = await finished(executionId);
    expect(ex.status).toBe('succeeded');
    expect(latest(ex, 'greet').output.stdout).toBe(`hello ${hostile}\n`);
    expect(latest(ex, 'quoted').output.stdout).toBe(`${hostile}|${hostile}|`);
    const runDir = path.join(dataDir, 'runs', executionId);
    // Nothing was touched; `workspaces` is the empty folder the sandbox hides git workspaces under.
    expect(fs.readdirSync(runDir).filter((name) => name !== 'workspaces')).toEqual([]);

    const [cwdLine, ...entries] = (latest(ex, 'env').output.stdout as string).split('\0').reverse();
    const env = Object.fromEntries(entries.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(Object.keys(env).sort()).toEqual(
      [
        'HOME',
        'LANG',
        'PATH',
        'PWD',
        'SHLVL',
        'TZ',
        'WEFT_ATTEMPT',
        'WEFT_EXECUTION_ID',
        'WEFT_ITERATION_PATH',
        'WEFT_RUN_DIR',
        'WEFT_RUNNER_NAME',
        'WEFT_STEP_ID',
        'WEFT_WORKFLOW_ID',
        '_',
      ]
        .filter((name) => name !== 'HOME' || process.env.HOME !== undefined)
        .sort(),
    );
    expect(env).toMatchObject({
      TZ: 'Europe/Berlin',
      LANG: 'C.UTF-8',
      WEFT_EXECUTION_ID: executionId,
      WEFT_WORKFLOW_ID: workflowId,
      WEFT_STEP_ID: 'env',
      WEFT_RUN_DIR: runDir,
    });
    for (const secret of [...Object.values(RUNNER_SECRETS), s.runnerToken]) expect(latest(ex, 'env').output.stdout).not.toContain(secret);
    expect(fs.realpathSync(cwdLine!.replace(/^cwd=/, ''))).toBe(fs.realpathSync(runDir));
  });

  it('http, conditional (the other branch skipped) and a loop over the response', async () => {
    const { executionId } = await start({
      name: 'Flow',
      steps: [
        { id: 'fetch', type: 'http', method: 'POST', url: `${targetUrl}/items`, body: { q: 'x' } },
        {
          id: 'check',
          type: 'conditional',
          condition: 'steps.fetch.output.status == 200',
          then: [{ id: 'ok', type: 'bash', command: 'echo ok' }],
          else: [{ id: 'bad', type: 'bash', command: 'echo bad' }],
        },
        {
          id: 'each',
          type: 'loop',
          over: 'steps.fetch.output.body.items',
          steps: [{ id: 'shout', type: 'bash', command: 'echo {{ item }}-{{ loop.index }}' }],
        },
      ],
    });
    const ex = await finished(executionId);
    expect(ex.status).toBe('succeeded');
    expect(latest(ex, 'fetch').output).toMatchObject({ status: 200, body: { items: ['a', 'b', 'c'], echo: '{"q":"x"}' } });
    expect(latest(ex, 'check').output).toEqual({ branch: 'then' });
    expect(latest(ex, 'bad').status).toBe('skipped');
    expect(latest(ex, 'ok').status).toBe('succeeded');
    for (let i = 0; i < 3; i++) expect(latest(ex, 'shout', `each[${i}]`).output.stdout).toBe(`${['a', 'b', 'c'][i]}-${i}\n`);
    expect(latest(ex, 'each').output).toMatchObject({ count: 3 });
  });

  it('notify posts into the execution session with back-pointers', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: { title: 'notify' } })).body;
    const { executionId } = await start({ name: 'Notify', steps: [{ id: 'tell', type: 'notify', message: 'Done: {{ 1 + 1 }}' }] }, { sessionId: session.id });
    const ex = await finished(executionId);
    expect(ex.status).toBe('succeeded');
    const messages = (await s.request('GET', `/api/sessions/${session.id}/messages`)).body.messages;
    const note = messages.find((m: any) => m.stepId === 'tell');
    expect(note).toMatchObject({ executionId, stepId: 'tell', attempt: 1, status: 'complete', role: 'system' });
    expect(messageText(note)).toBe('Done: 2');
  });

  it('cancel during bash kills the process group', async () => {
    const marker = `${30 + (process.pid % 97)}.${Date.now() % 1000}`;
    const { executionId } = await start({ name: 'Long', steps: [{ id: 'sleepy', type: 'bash', command: `sleep ${marker} & wait` }] });
    await waitUntil(() => processesWithArgument(marker).length === 1, 20_000, 'the sleep to start');
    const pid = processesWithArgument(marker)[0]!;
    const res = await s.request('POST', `/api/executions/${executionId}/cancel`);
    expect(res.body.status).toBe('canceled');
    await waitUntil(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'the sleep process to die',
    );
    const ex = (await s.request('GET', `/api/executions/${executionId}`)).body;
    expect(ex.status).toBe('canceled');
    expect(latest(ex, 'sleepy').status).toBe('canceled');
  });

  it('cancel during a wait ends it and nothing runs after', async () => {
    const { executionId } = await start({
      name: 'Waits',
      steps: [
        { id: 'nap', type: 'wait', seconds: 60 },
        { id: 'after', type: 'bash', command: 'echo after' },
      ],
    });
    await waitUntil(async () => (await s.request('GET', `/api/executions/${executionId}`)).body.status === 'waiting', 20_000, 'waiting');
    expect((await s.request('POST', `/api/executions/${executionId}/cancel`)).body.status).toBe('canceled');
    s.app.engine.tick();
    const ex = (await s.request('GET', `/api/executions/${executionId}`)).body;
    expect(latest(ex, 'nap').status).toBe('canceled');
    expect(latest(ex, 'after')).toBeUndefined();
  });

  it('re-runs from a step, reusing the outputs before it', async () => {
    const counter = path.join(marks, `count-${Date.now()}`);
    const { executionId } = await start({
      name: 'Rerun',
      steps: [
        { id: 'first', type: 'bash', command: `echo x >> ${counter}; echo first` },
        { id: 'second', type: 'bash', command: 'echo "{{ steps.first.output.stdout }}"' },
      ],
    });
    expect((await finished(executionId)).status).toBe('succeeded');
    const rerun = await s.request('POST', `/api/executions/${executionId}/rerun`, { body: { fromStepId: 'second' } });
    expect(rerun.status).toBe(202);
    const ex = await finished(rerun.body.executionId);
    expect(ex).toMatchObject({ status: 'succeeded', rerunOf: executionId, trigger: { type: 'rerun', of: executionId, fromStepId: 'second' } });
    expect(latest(ex, 'first')).toMatchObject({ reused: true, status: 'succeeded' });
    expect(latest(ex, 'second').output.stdout).toBe('first\n\n');
    expect(fs.readFileSync(counter, 'utf8')).toBe('x\n'); // `first` did not run again
    expect((await s.request('POST', `/api/executions/${executionId}/rerun`, { body: { fromStepId: 'nope' } })).status).toBe(404);
  });
});
