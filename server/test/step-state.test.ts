import { afterEach, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

/** Issue 20 §6: `step.checkpoint` and `workspace.snapshot` are kept for the next lease, never shown, and pruned with their run. */

let s: TestServer;
let runner: FakeRunner;
afterEach(async () => {
  runner?.close();
  await s?.close();
});

const DAY = 24 * 60 * 60 * 1000;
const MARK = 'secret-conversation-marker';

async function start() {
  let now = Date.now();
  const clock = { now: () => new Date(now), advance: (ms: number) => (now += ms) };
  s = await startServer({
    clock,
    env: { WEFT_LEASE_MS: '60000' },
    config: {
      engineTickMs: 50,
      retention: { days: 1, maxExecutions: null, intervalMs: 3_600_000, startDelayMs: 3_600_000, compactAfterMs: 1000 * DAY, batchRows: 500, batchMs: 10_000 },
    },
  });
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
  return clock;
}

async function leasedRun() {
  const definition = { name: `Resumable ${Math.random()}`, steps: [{ id: 'fix', type: 'agent_prompt', prompt: 'Fix it' }] };
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  return { executionId, grant: runner.grants.find((g) => g.executionId === executionId)! };
}

const at = (attempt = 1) => ({ stepId: 'fix', iterationPath: '', attempt });
const checkpoint = (seq: number, state: unknown, attempt = 1) => ({ seq, type: 'step.checkpoint', ...at(attempt), state });
const snapshot = (seq: number, diff: string | null, over: Record<string, unknown> = {}) => ({
  seq,
  type: 'workspace.snapshot',
  ...at(),
  key: 'git:https://github.com/acme/app@main',
  baseCommit: 'a'.repeat(40),
  changedFiles: ['src/app.ts'],
  diff,
  ...over,
});
const rows = (table: string, executionId: string) => s.app.db.prepare(`SELECT * FROM ${table} WHERE execution_id = ?`).all(executionId) as any[];
const everyEvent = () => s.app.db.prepare('SELECT topic, type, data FROM events').all() as { topic: string; type: string; data: string }[];

describe('checkpoints and workspace snapshots', () => {
  it('keeps the latest of each, hands them to the next lease, and never journals them', async () => {
    const clock = await start();
    const { executionId, grant } = await leasedRun();
    expect(grant.checkpoints).toEqual([]);
    expect(grant.workspaces).toEqual([]);
    const ack = await runner.events(grant, [
      { seq: 1, type: 'step.started', ...at() },
      checkpoint(2, { v: 1, messages: [{ role: 'user', content: `${MARK} one` }], turns: 1 }),
      snapshot(3, `diff --git a/src/app.ts b/src/app.ts\n+${MARK}\n`),
      checkpoint(4, { v: 1, messages: [{ role: 'user', content: `${MARK} two` }], turns: 2 }),
      snapshot(5, 'diff two\n', { changedFiles: ['src/app.ts', 'README.md'] }),
    ]);
    expect(ack.type).toBe('ack');
    expect(rows('step_checkpoints', executionId)).toHaveLength(1);
    expect(everyEvent().some((e) => e.data.includes(MARK))).toBe(false);
    // The fake runner renews nothing: the lease lapses and the execution is granted again.
    clock.advance(5 * 60_000);
    await waitUntil(() => runner.grants.filter((g) => g.executionId === executionId).length >= 2, 15_000, 'the second lease');
    const second = runner.grants.filter((g) => g.executionId === executionId)[1]!;
    expect(second.checkpoints).toEqual([{ ...at(), state: { v: 1, messages: [{ role: 'user', content: `${MARK} two` }], turns: 2 } }]);
    expect(second.workspaces).toEqual([
      { key: 'git:https://github.com/acme/app@main', baseCommit: 'a'.repeat(40), changedFiles: ['src/app.ts', 'README.md'], diff: 'diff two\n' },
    ]);
    // The resumed attempt finishes: its checkpoint goes, the workspace stays with the run.
    const done = await runner.events(second, [
      { seq: 1, type: 'step.started', ...at(2) },
      {
        seq: 2,
        type: 'step.succeeded',
        ...at(2),
        output: { text: 'fixed', model: 'm', provider: 'anthropic', usage: { inputTokens: 1, outputTokens: 1 }, attempts: 1 },
      },
    ]);
    expect(done.type).toBe('ack');
    expect(rows('step_checkpoints', executionId)).toEqual([]);
    expect(rows('execution_workspaces', executionId)).toHaveLength(1);
  });

  it('keeps the checkpoint through a failed attempt that is retried, for the next lease too; a final failure drops it', async () => {
    const clock = await start();
    const { executionId, grant } = await leasedRun();
    const state = { v: 1, messages: [{ role: 'user', content: 'one' }], turns: 1, pausedMs: 3_600_000 };
    const error = { name: 'StepFailedError', message: 'model overloaded' };
    await runner.events(grant, [
      { seq: 1, type: 'step.started', ...at() },
      checkpoint(2, state),
      { seq: 3, type: 'step.failed', ...at(), error, retryInMs: 1000 },
    ]);
    expect(rows('step_checkpoints', executionId)).toHaveLength(1);
    clock.advance(5 * 60_000);
    await waitUntil(() => runner.grants.filter((g) => g.executionId === executionId).length >= 2, 15_000, 'the second lease');
    const second = runner.grants.filter((g) => g.executionId === executionId)[1]!;
    // The retry on the new lease goes on from the instance's checkpoint, paused time included.
    expect(second.checkpoints).toEqual([{ ...at(), state }]);
    await runner.events(second, [
      { seq: 1, type: 'step.started', ...at(2) },
      { seq: 2, type: 'step.failed', ...at(2), error },
    ]);
    expect(rows('step_checkpoints', executionId)).toEqual([]);
  });

  it("caps a grant's resume state at 32 MiB: the largest checkpoints are left out, and the run log says so", { timeout: 60_000 }, async () => {
    const clock = await start();
    const { executionId } = await leasedRun();
    // Ten step instances of a foreach, each at nearly the 4 MiB checkpoint cap: 39 MiB in all.
    const insert = s.app.db.prepare(
      'INSERT INTO step_checkpoints (execution_id, step_id, iteration_path, attempt, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (let i = 0; i < 10; i++) {
      insert.run(executionId, 'fix', `[${i}]`, 1, JSON.stringify({ v: 1, blob: 'x'.repeat(4 * 1024 * 1024 - 100 - i) }), new Date().toISOString());
    }
    clock.advance(5 * 60_000);
    await waitUntil(() => runner.grants.filter((g) => g.executionId === executionId).length >= 2, 30_000, 'the second lease');
    const second = runner.grants.filter((g) => g.executionId === executionId)[1]!;
    const bytes = Buffer.byteLength(JSON.stringify(second.checkpoints)) + Buffer.byteLength(JSON.stringify(second.workspaces));
    expect(bytes).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(second.checkpoints.length).toBe(8);
    // The largest (smallest i) went first.
    expect(second.checkpoints.map((c) => c.iterationPath).sort()).toEqual(['[2]', '[3]', '[4]', '[5]', '[6]', '[7]', '[8]', '[9]']);
    const notes = everyEvent().filter((e) => e.type === 'step.log' && e.data.includes('left out of the new lease'));
    expect(notes.map((n) => JSON.parse(n.data).iterationPath).sort()).toEqual(['[0]', '[1]']);
  });

  it('drops an oversized checkpoint with a line in the step log, and refuses an oversized snapshot frame without falling over', async () => {
    await start();
    const { executionId, grant } = await leasedRun();
    const big = { v: 1, blob: 'x'.repeat(4 * 1024 * 1024 + 10) };
    const ack = await runner.events(grant, [{ seq: 1, type: 'step.started', ...at() }, checkpoint(2, big)]);
    expect(ack).toMatchObject({ type: 'ack', seq: 2 });
    expect(rows('step_checkpoints', executionId)).toEqual([]);
    const logs = everyEvent().filter((e) => e.type === 'step.log' && e.data.includes('checkpoint not kept'));
    expect(logs).toHaveLength(1);
    const tooBig = await runner.events(grant, [snapshot(3, 'y'.repeat(8 * 1024 * 1024 + 1))]);
    expect(tooBig.type).toBe('error');
    expect(tooBig.message).toMatch(/diff/);
    expect(rows('execution_workspaces', executionId)).toEqual([]);
    // The socket and the server go on.
    expect((await runner.events(grant, [snapshot(3, 'small\n')])).type).toBe('ack');
    expect((await s.request('GET', `/api/executions/${executionId}`)).status).toBe(200);
  });

  it('drops checkpoints when the run ends, and retention deletes its workspaces and asks with it', async () => {
    const clock = await start();
    const { executionId, grant } = await leasedRun();
    await runner.events(grant, [{ seq: 1, type: 'step.started', ...at() }, checkpoint(2, { v: 1 }), snapshot(3, 'd\n')]);
    const asked = await s.request('POST', '/api/tools/ask', {
      token: s.runnerToken,
      body: {
        key: 'k',
        kind: 'tool',
        tool: { name: 'workspace:bash', arguments: { command: 'ls' } },
        waitMs: 0,
        context: { executionId, stepId: 'fix', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
      },
    });
    expect(asked.status).toBe(200);
    expect((await s.request('POST', `/api/executions/${executionId}/cancel`)).status).toBe(200);
    expect(rows('step_checkpoints', executionId)).toEqual([]);
    expect(rows('execution_workspaces', executionId)).toHaveLength(1);
    expect(rows('tool_approvals', executionId)).toHaveLength(1);
    clock.advance(2 * DAY);
    await s.app.retention.run();
    expect(s.app.db.prepare('SELECT id FROM executions WHERE id = ?').get(executionId)).toBeUndefined();
    expect(rows('execution_workspaces', executionId)).toEqual([]);
    expect(rows('tool_approvals', executionId)).toEqual([]);
  });
});
