import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

/**
 * An approval's `onTimeout` under the injectable clock: the test moves time and runs the engine's
 * tick, as its interval would, instead of waiting for a real timeout.
 */
let now = Date.parse('2026-03-02T09:00:00.000Z');
const clock = { now: () => new Date(now) };
let s: TestServer;
let runner: FakeRunner;
beforeAll(async () => {
  // Leases are timed by the same clock: long enough that the jumps below keep them.
  s = await startServer({ clock, config: { leaseMs: 3_600_000, engineTickMs: 50 } });
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
});
afterAll(async () => {
  runner.close();
  await s.close();
});

const TIMEOUT_S = 600;

/** Runs a gated workflow up to its approval, the fake runner reporting the gate as waiting. */
async function runToGate(onTimeout: 'fail' | 'approve') {
  const definition = {
    name: `Times out (${onTimeout})`,
    steps: [
      { id: 'gate', type: 'approval', message: 'Ship it?', timeoutSeconds: TIMEOUT_S, onTimeout },
      { id: 'ship', type: 'bash', command: 'echo ship' },
    ],
  };
  const workflowId = (await s.request('POST', '/api/workflows', { body: { definition } })).body.id;
  const { executionId } = (await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} })).body;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  await runner.events(grant, [
    { seq: 1, type: 'step.started', stepId: 'gate', iterationPath: '', attempt: 1 },
    {
      seq: 2,
      type: 'step.waiting',
      stepId: 'gate',
      iterationPath: '',
      attempt: 1,
      wait: { kind: 'approval', message: 'Ship it?', approvers: [], timeoutSeconds: TIMEOUT_S, onDeny: 'fail', onTimeout },
    },
  ]);
  const approval = (await s.request('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals[0];
  return { executionId, approval };
}

const execution = async (id: string) => (await s.request('GET', `/api/executions/${id}`)).body;
const approvalOf = async (id: string) => (await s.request('GET', `/api/approvals/${id}`)).body;

/** Moves the clock and runs one engine tick. */
function advance(ms: number) {
  now += ms;
  s.app.engine.tick();
}

describe('approval timeouts', () => {
  it('expire at requestedAt + timeoutSeconds by the clock, not a moment before', async () => {
    const { executionId, approval } = await runToGate('fail');
    expect(approval.requestedAt).toBe(new Date(now).toISOString());
    expect(Date.parse(approval.expiresAt) - Date.parse(approval.requestedAt)).toBe(TIMEOUT_S * 1000);
    advance(TIMEOUT_S * 1000 - 1);
    expect((await approvalOf(approval.id)).status).toBe('pending');
    expect((await execution(executionId)).status).toBe('waiting');
    advance(1);
    expect((await approvalOf(approval.id)).status).toBe('expired');
  });

  it('onTimeout: fail fails the execution with ApprovalTimedOut, and nothing after the gate runs', async () => {
    const { executionId, approval } = await runToGate('fail');
    advance(TIMEOUT_S * 1000);
    expect(await approvalOf(approval.id)).toMatchObject({ status: 'expired', decision: { decision: 'deny', decidedBy: 'timeout' } });
    const ex = await execution(executionId);
    expect(ex).toMatchObject({ status: 'failed', error: { name: 'ApprovalTimedOut' } });
    expect(ex.steps.find((st: any) => st.stepId === 'gate')).toMatchObject({ status: 'failed', output: { approved: false, decidedBy: 'timeout' } });
    // No new lease: the run ended at the gate.
    expect(runner.grants.filter((g) => g.executionId === executionId)).toHaveLength(1);
  });

  it('onTimeout: approve passes the gate as approved by `timeout` and the execution goes on', async () => {
    const { executionId, approval } = await runToGate('approve');
    advance(TIMEOUT_S * 1000);
    expect(await approvalOf(approval.id)).toMatchObject({ status: 'expired', decision: { decision: 'approve', decidedBy: 'timeout' } });
    // Queued again: a new lease that carries the gate as done, so the runner goes on with `ship`.
    await waitUntil(() => runner.grants.filter((g) => g.executionId === executionId).length === 2, 10_000, 'the lease after the timeout');
    const resumed = runner.grants.filter((g) => g.executionId === executionId)[1]!;
    expect(resumed.completed).toEqual([
      expect.objectContaining({ stepId: 'gate', status: 'succeeded', output: expect.objectContaining({ approved: true, decidedBy: 'timeout' }) }),
    ]);
    await runner.events(resumed, [
      { seq: 1, type: 'step.started', stepId: 'ship', iterationPath: '', attempt: 1 },
      { seq: 2, type: 'step.succeeded', stepId: 'ship', iterationPath: '', attempt: 1, output: 'ship' },
      { seq: 3, type: 'execution.finished', status: 'succeeded', output: 'ship' },
    ]);
    expect((await execution(executionId)).status).toBe('succeeded');
  });
});
