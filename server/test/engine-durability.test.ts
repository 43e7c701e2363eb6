import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/live-client';
import { processesWithArgument } from './helpers/processes';
import { startRunner } from './helpers/runner-process';
import { makeDataDir, openTestDatabase, startServer, type TestServer } from './helpers/server';

const ENGINE = { leaseMs: 1200, runnerHeartbeatMs: 300, engineTickMs: 50 };
const TOKEN = 'durability-test-token-0123456789';
/** Fixed too: a restarted server on a fresh data dir must accept the runners already running. */
const RUNNER_TOKEN = 'durability-runner-token-0123456789';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

async function server(opts: { dataDir?: string; port?: number } = {}) {
  const s = await startServer({ env: { WEFT_TOKEN: TOKEN, WEFT_RUNNER_TOKEN: RUNNER_TOKEN }, config: ENGINE, ...opts });
  cleanup.push(() => s.close());
  return s;
}
/** `writable`: where steps write side effects for the test to read, outside their run directories. */
function runner(s: TestServer, dataDir: string, url = s.url, writable = dataDir) {
  const r = startRunner({ url, token: RUNNER_TOKEN, dataDir, env: { WEFT_SANDBOX_WRITE_PATHS: writable } });
  cleanup.push(() => r.kill('SIGKILL'));
  return r;
}
async function run(s: TestServer, definition: unknown, body: unknown = {}) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status).toBe(201);
  const r = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body });
  expect(r.status).toBe(202);
  return r.body.executionId as string;
}
async function finished(s: TestServer, id: string, timeoutMs = 30_000) {
  let ex: any;
  await waitUntil(
    async () => {
      ex = (await s.request('GET', `/api/executions/${id}`)).body;
      return ['succeeded', 'failed', 'canceled', 'denied'].includes(ex.status);
    },
    timeoutMs,
    `execution ${id} to finish`,
  );
  return ex;
}
/** Signal 0 checks existence; a zombie not yet reaped by init would still count as alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const succeededAttempts = (ex: any, stepId: string) => ex.steps.filter((st: any) => st.stepId === stepId && st.status === 'succeeded');

describe('durable execution with real runner processes', () => {
  it('a transaction still open when the server stops is rolled back, not committed: nothing of it was acknowledged', async () => {
    const dataDir = makeDataDir();
    const s = await startServer({ dataDir });
    // As a group-commit batch the journal did not close would be: its events are written only by its own COMMIT.
    s.app.db.exec('BEGIN');
    s.app.db.prepare("UPDATE users SET name = 'never acknowledged' WHERE id = 'owner'").run();
    await s.close();
    const db = openTestDatabase(dataDir);
    try {
      expect(db.prepare<[], { name: string }>("SELECT name FROM users WHERE id = 'owner'").get()!.name).not.toBe('never acknowledged');
    } finally {
      db.close();
    }
  });

  it('finishes a 20-step execution after its runner is killed with SIGKILL; no completed step runs twice', async () => {
    const dataDir = makeDataDir();
    const s = await server({ dataDir });
    // Each step appends its index to a side-effect file: the file, not the server's tables, says what ran.
    const mark = `${dataDir}/side-effects.log`;
    const ran = () => (fs.existsSync(mark) ? fs.readFileSync(mark, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);
    const steps = Array.from({ length: 20 }, (_, i) => ({
      id: `s${i}`,
      type: 'bash',
      command: `sleep 0.15; echo ${i} >> "$WEFT_DATA_MARK"; echo ${i}`,
      env: { WEFT_DATA_MARK: mark },
    }));
    const first = runner(s, dataDir);
    const id = await run(s, { name: 'Twenty', steps });
    await waitUntil(() => ran().length >= 7, 20_000, 'seven steps to write their line');
    await first.kill('SIGKILL');
    const before = ran();
    runner(s, dataDir);
    const ex = await finished(s, id);
    expect(ex.status).toBe('succeeded');
    const after = ran();
    // The file only grows: what ran before the kill is kept, and the rest runs in order after it.
    expect(after.slice(0, before.length)).toEqual(before);
    const times = (i: number) => after.filter((n) => n === i).length;
    for (let i = 0; i < steps.length; i++) {
      // Only the step the kill interrupted may run again (it may have written its line without
      // its result reaching the server); every step finished before it ran exactly once.
      if (i === before.at(-1)) expect(times(i), `s${i}`).toBeGreaterThanOrEqual(1);
      else expect(times(i), `s${i}`).toBe(1);
    }
    expect(after.length).toBeLessThanOrEqual(steps.length + 1);
    expect(ex.output).toMatchObject({ stdout: '19\n', exitCode: 0 });
  });

  it("kills a step's processes when its runner is SIGKILLed, so the step never runs beside its retry", async () => {
    const dataDir = makeDataDir();
    const s = await server({ dataDir });
    // Two processes that outlast the runner by far, found by their unique durations: in the sandbox
    // the step's `$$` and `$!` are pids of its own namespace.
    const [outer, inner] = [`${60 + (process.pid % 89)}.${Date.now() % 1000}`, `${61 + (process.pid % 89)}.${Date.now() % 1000}`] as const;
    const step = { id: 'long', type: 'bash', command: `sleep ${inner} & sleep ${outer}` };
    const first = runner(s, dataDir);
    const id = await run(s, { name: 'Long', steps: [step] });
    await waitUntil(() => processesWithArgument(outer).length === 1 && processesWithArgument(inner).length === 1, 20_000, 'the step to start');
    const started = [...processesWithArgument(outer), ...processesWithArgument(inner)];
    expect(started.every(alive)).toBe(true);
    await first.kill('SIGKILL');
    await waitUntil(() => !started.some(alive), 5_000, 'the step processes to die with their runner');
    // The execution is not lost: the next runner runs the step again, as a new attempt.
    runner(s, dataDir);
    await waitUntil(
      async () => (await s.request('GET', `/api/executions/${id}`)).body.steps.some((st: any) => st.stepId === 'long' && st.attempt === 2),
      20_000,
      'the retry',
    );
    await s.request('POST', `/api/executions/${id}/cancel`, { body: {} });
  });

  it('resumes an approval decided after a server restart', async () => {
    const dataDir = makeDataDir();
    let s = await server({ dataDir });
    const port = s.port;
    runner(s, dataDir);
    const id = await run(s, {
      name: 'Gate',
      steps: [
        { id: 'before', type: 'bash', command: 'echo before' },
        { id: 'gate', type: 'approval', message: 'Go on?', allowSelfApproval: true },
        { id: 'after', type: 'bash', command: 'echo after' },
      ],
    });
    let approval: any;
    await waitUntil(
      async () => {
        approval = (await s.request('GET', `/api/approvals?status=pending&executionId=${id}`)).body.approvals[0];
        return approval !== undefined;
      },
      20_000,
      'approval',
    );
    await s.close();
    s = await server({ dataDir, port });
    expect((await s.request('GET', `/api/executions/${id}`)).body.status).toBe('waiting');
    const decided = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'approve' } });
    expect(decided.status).toBe(200);
    const ex = await finished(s, id);
    expect(ex.status).toBe('succeeded');
    expect(succeededAttempts(ex, 'gate')[0].output).toMatchObject({ approved: true, decidedBy: 'owner' });
    expect(succeededAttempts(ex, 'after')).toHaveLength(1);
    expect(succeededAttempts(ex, 'before')).toHaveLength(1);
  });

  it('fires a wait timer that came due while the server was down', async () => {
    const dataDir = makeDataDir();
    let s = await server({ dataDir });
    const port = s.port;
    runner(s, dataDir);
    const id = await run(s, {
      name: 'Nap',
      steps: [
        { id: 'nap', type: 'wait', seconds: 1 },
        { id: 'wake', type: 'bash', command: 'echo awake' },
      ],
    });
    await waitUntil(async () => (await s.request('GET', `/api/executions/${id}`)).body.status === 'waiting', 20_000, 'waiting');
    await s.close();
    await new Promise((r) => setTimeout(r, 1500)); // the server is down while the timer comes due
    s = await server({ dataDir, port });
    const ex = await finished(s, id);
    expect(ex.status).toBe('succeeded');
    expect(succeededAttempts(ex, 'nap')[0].output).toMatchObject({ waitedUntil: expect.any(String) });
    expect(succeededAttempts(ex, 'wake')[0].output.stdout).toBe('awake\n');
  });

  it('survives a dropped runner socket: resent events are stored once', async () => {
    const dataDir = makeDataDir();
    let s = await server({ dataDir });
    const port = s.port;
    runner(s, dataDir);
    const steps = Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, type: 'bash', command: `sleep 0.1; echo ${i}` }));
    const id = await run(s, { name: 'Drop', steps });
    await waitUntil(
      async () => (await s.request('GET', `/api/executions/${id}`)).body.steps.some((st: any) => st.stepId === 'd3' && st.status === 'succeeded'),
      20_000,
      'd3',
    );
    // Restarting the server drops the socket; the runner reconnects, keeps its lease and resends.
    await s.close();
    s = await server({ dataDir, port });
    const ex = await finished(s, id);
    expect(ex.status).toBe('succeeded');
    for (const st of steps) expect(succeededAttempts(ex, st.id), st.id).toHaveLength(1);
    const events = (await s.request('GET', `/api/events?topic=execution:${id}&limit=1000`)).body.events;
    const succeededEvents = events.filter((e: any) => e.type === 'step.updated' && e.data.status === 'succeeded');
    const keys = succeededEvents.map((e: any) => `${e.data.stepId}#${e.data.attempt}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
