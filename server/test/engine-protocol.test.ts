import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ config: { leaseMs: 600, runnerHeartbeatMs: 200, engineTickMs: 50 } });
});
afterAll(() => s.close());

const twoSteps = {
  name: 'Two steps',
  steps: [
    { id: 'one', type: 'bash', command: 'echo 1' },
    { id: 'two', type: 'bash', command: 'echo 2' },
  ],
};

async function createAndRun(definition: unknown = twoSteps, body: unknown = {}) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body });
  expect(run.status).toBe(202);
  return { workflowId: wf.body.id as string, executionId: run.body.executionId as string };
}

describe('runner protocol', () => {
  it('grants, acknowledges, and stores resent events once', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    const { executionId } = await createAndRun();
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    expect(grant).toMatchObject({ attempt: 1, workflowVersion: 1, completed: [], policy: { allowBash: true } });
    const batch = [
      { seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1 },
      { seq: 2, type: 'step.succeeded', stepId: 'one', iterationPath: '', attempt: 1, output: { stdout: '1\n' } },
    ];
    expect(await runner.events(grant, batch)).toMatchObject({ type: 'ack', seq: 2 });
    // The same batch again (a resend after reconnect): acknowledged, not applied twice.
    expect(await runner.events(grant, batch)).toMatchObject({ type: 'ack', seq: 2 });
    const ex = (await s.request('GET', `/api/executions/${executionId}`)).body;
    expect(ex.steps).toEqual([expect.objectContaining({ stepId: 'one', attempt: 1, status: 'succeeded', output: { stdout: '1\n' } })]);
    const journal = (await s.request('GET', `/api/events?topic=execution:${executionId}`)).body.events;
    expect(journal.filter((e: any) => e.type === 'step.updated' && e.data.status === 'succeeded')).toHaveLength(1);

    expect(
      await runner.events(grant, [
        { seq: 3, type: 'step.started', stepId: 'two', iterationPath: '', attempt: 1 },
        { seq: 4, type: 'step.succeeded', stepId: 'two', iterationPath: '', attempt: 1, output: 2 },
        { seq: 5, type: 'execution.finished', status: 'succeeded', output: 2 },
      ]),
    ).toMatchObject({ type: 'ack', seq: 5 });
    const done = (await s.request('GET', `/api/executions/${executionId}`)).body;
    expect(done).toMatchObject({ status: 'succeeded', output: 2, finishedAt: expect.any(String) });
    // Events after the end are refused: a finished status is never overwritten.
    expect(await runner.events(grant, [{ seq: 6, type: 'execution.finished', status: 'failed' }])).toMatchObject({
      type: 'reject',
      code: 'execution_finished',
    });
    expect((await s.request('GET', `/api/executions/${executionId}`)).body.status).toBe('succeeded');
    runner.close();
  });

  it('journals each step as the API reads it back, whether its start came in the same frame or an earlier one', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    const { executionId } = await createAndRun();
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    // `one` starts in a frame of its own and finishes (without input) in the next: the stored start and input stay.
    expect(
      await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1, input: { command: 'echo 1', n: [1, null] } }]),
    ).toMatchObject({ type: 'ack', seq: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect(
      await runner.events(grant, [
        { seq: 2, type: 'step.succeeded', stepId: 'one', iterationPath: '', attempt: 1, output: { stdout: '1\n', nested: { a: [true, 2.5] } } },
        { seq: 3, type: 'step.started', stepId: 'two', iterationPath: '', attempt: 1, input: { command: 'echo 2' } },
        { seq: 4, type: 'step.failed', stepId: 'two', iterationPath: '', attempt: 1, error: { name: 'Error', message: 'exit 1' }, retryInMs: 10 },
        { seq: 5, type: 'step.started', stepId: 'two', iterationPath: '', attempt: 2 },
        { seq: 6, type: 'step.succeeded', stepId: 'two', iterationPath: '', attempt: 2, output: null },
        { seq: 7, type: 'execution.finished', status: 'succeeded', output: null },
      ]),
    ).toMatchObject({ type: 'ack', seq: 7 });
    const steps = (await s.request('GET', `/api/executions/${executionId}`)).body.steps;
    expect(steps).toHaveLength(3);
    expect(steps[0]).toMatchObject({ stepId: 'one', startedAt: expect.any(String), input: { command: 'echo 1', n: [1, null] } });
    expect(steps[0].startedAt < steps[0].finishedAt).toBe(true);
    expect(steps[2]).toMatchObject({ stepId: 'two', attempt: 2, output: null });
    const journal = (await s.request('GET', `/api/events?topic=execution:${executionId}`)).body.events;
    // The last event of each step attempt says what the API says about it, field for field.
    const last = new Map<string, unknown>();
    for (const e of journal) if (e.type === 'step.updated') last.set(`${e.data.stepId}|${e.data.attempt}`, e.data);
    expect([...last.values()]).toEqual(steps.map((step: object) => ({ executionId, ...step })));
    runner.close();
  });

  it('reassigns an execution when its lease expires and refuses the zombie runner', async () => {
    const zombie = await connectFakeRunner(s.url, s.runnerToken, { heartbeat: false });
    const { executionId } = await createAndRun();
    await waitUntil(() => zombie.grants.some((g) => g.executionId === executionId));
    const old = zombie.grants.find((g) => g.executionId === executionId)!;
    await zombie.events(old, [{ seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1 }]);
    // The zombie keeps its socket but stops heartbeating; another runner arrives.
    const fresh = await connectFakeRunner(s.url, s.runnerToken);
    await waitUntil(() => fresh.grants.some((g) => g.executionId === executionId), 5000, 'regrant');
    const grant = fresh.grants.find((g) => g.executionId === executionId)!;
    expect(grant.attempt).toBe(2);
    expect(grant.stepAttempts).toEqual({ 'one|': 1 });
    expect(grant.completed).toEqual([]);
    const late = await zombie.events(old, [{ seq: 2, type: 'step.succeeded', stepId: 'one', iterationPath: '', attempt: 1, output: 'zombie' }]);
    expect(late).toMatchObject({ type: 'reject', code: 'stale_lease' });
    zombie.send({ type: 'heartbeat', id: 'hb', leases: [{ executionId, attempt: 1 }] });
    const ack = await zombie.waitFor((f) => f.type === 'heartbeat_ack' && f.id === 'hb');
    expect(ack.lost).toEqual([{ executionId, attempt: 1, reason: 'lease was granted again' }]);
    const ex = (await s.request('GET', `/api/executions/${executionId}`)).body;
    expect(ex.steps).toEqual([
      expect.objectContaining({ stepId: 'one', attempt: 1, status: 'failed', error: expect.objectContaining({ name: 'Interrupted' }) }),
    ]);
    await s.request('POST', `/api/executions/${executionId}/cancel`);
    zombie.close();
    fresh.close();
  });

  it('keeps a lease alive with heartbeats', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    const { executionId } = await createAndRun();
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    for (let i = 0; i < 8; i++) {
      runner.send({ type: 'heartbeat', id: `b${i}`, leases: [{ executionId, attempt: grant.attempt }] });
      const ack = await runner.waitFor((f) => f.type === 'heartbeat_ack' && f.id === `b${i}`);
      expect(ack.lost).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
    }
    // 1.6 s > leaseMs: still ours.
    expect(await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1 }])).toMatchObject({ type: 'ack', seq: 1 });
    await s.request('POST', `/api/executions/${executionId}/cancel`);
    await runner.waitFor((f) => f.type === 'cancel' && f.executionId === executionId);
    runner.close();
  });

  it('answers a seq gap with the last stored seq so the runner resends', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    const { executionId } = await createAndRun();
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1 }]);
    runner.send({
      type: 'events',
      id: 'gap',
      executionId,
      attempt: grant.attempt,
      events: [{ seq: 3, type: 'step.succeeded', stepId: 'one', iterationPath: '', attempt: 1, output: 1 }],
    });
    const reject = await runner.waitFor((f) => f.type === 'reject' && f.id === 'gap');
    expect(reject.code).toBe('seq_gap');
    expect(runner.frames.find((f) => f.type === 'ack' && f.id === 'gap')).toMatchObject({ seq: 1 });
    await s.request('POST', `/api/executions/${executionId}/cancel`);
    runner.close();
  });

  it('records a step that starts and finishes in one batch as one change, and a lone start as running', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    const { executionId } = await createAndRun();
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const stepEvents = async () =>
      ((await s.request('GET', `/api/events?topic=execution:${executionId}`)).body.events as any[])
        .filter((e) => e.type === 'step.updated')
        .map((e) => [e.data.stepId, e.data.status]);

    // Started and succeeded together: one step.updated (succeeded, with its start time and input).
    await runner.events(grant, [
      { seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1, input: { command: 'echo 1' } },
      { seq: 2, type: 'step.succeeded', stepId: 'one', iterationPath: '', attempt: 1, output: 1 },
    ]);
    expect(await stepEvents()).toEqual([['one', 'succeeded']]);
    const one = (await s.request('GET', `/api/executions/${executionId}`)).body.steps[0];
    expect(one).toMatchObject({
      stepId: 'one',
      status: 'succeeded',
      input: { command: 'echo 1' },
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });

    // A start whose finish is beyond a gap is not folded: the start is stored and shown as running.
    runner.send({
      type: 'events',
      id: 'gap',
      executionId,
      attempt: grant.attempt,
      events: [
        { seq: 3, type: 'step.started', stepId: 'two', iterationPath: '', attempt: 1 },
        { seq: 5, type: 'step.succeeded', stepId: 'two', iterationPath: '', attempt: 1, output: 2 },
      ],
    });
    expect(await runner.waitFor((f) => f.type === 'ack' && f.id === 'gap')).toMatchObject({ seq: 3 });
    expect(await stepEvents()).toEqual([
      ['one', 'succeeded'],
      ['two', 'running'],
    ]);
    await s.request('POST', `/api/executions/${executionId}/cancel`);
    runner.close();
  });

  it('stores the finishes of one frame together and journals everything in the order the runner sent it', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    const { executionId } = await createAndRun();
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const ack = await runner.events(grant, [
      { seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1, input: { n: 1 } },
      { seq: 2, type: 'step.succeeded', stepId: 'one', iterationPath: '', attempt: 1, output: { first: true } },
      { seq: 3, type: 'step.started', stepId: 'two', iterationPath: '', attempt: 1 },
      { seq: 4, type: 'step.failed', stepId: 'two', iterationPath: '', attempt: 1, error: { name: 'Error', message: 'flaky' }, retryInMs: 10 },
      { seq: 5, type: 'step.log', stepId: 'two', iterationPath: '', attempt: 1, stream: 'stderr', text: 'retrying' },
      { seq: 6, type: 'step.started', stepId: 'two', iterationPath: '', attempt: 2 },
      { seq: 7, type: 'step.succeeded', stepId: 'two', iterationPath: '', attempt: 2, output: [2] },
      { seq: 8, type: 'step.started', stepId: 'three', iterationPath: 'i0', attempt: 1 },
    ]);
    expect(ack).toMatchObject({ type: 'ack', seq: 8 });
    const journal = ((await s.request('GET', `/api/events?topic=execution:${executionId}`)).body.events as any[])
      .filter((e) => e.type !== 'execution.updated')
      .map((e) => (e.type === 'step.log' ? `log ${e.data.text}` : `${e.data.stepId}#${e.data.attempt} ${e.data.status}`));
    expect(journal).toEqual(['one#1 succeeded', 'two#1 failed', 'log retrying', 'two#2 succeeded', 'three#1 running']);
    const steps = (await s.request('GET', `/api/executions/${executionId}`)).body.steps;
    expect(steps).toEqual([
      expect.objectContaining({ stepId: 'one', attempt: 1, status: 'succeeded', input: { n: 1 }, output: { first: true } }),
      expect.objectContaining({ stepId: 'two', attempt: 1, status: 'failed', error: { name: 'Error', message: 'flaky' } }),
      expect.objectContaining({ stepId: 'two', attempt: 2, status: 'succeeded', output: [2] }),
      expect.objectContaining({ stepId: 'three', iterationPath: 'i0', attempt: 1, status: 'running' }),
    ]);
    await s.request('POST', `/api/executions/${executionId}/cancel`);
    runner.close();
  });

  it('answers malformed frames with error frames and keeps the socket', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    runner.send('{{nope');
    await runner.waitFor((f) => f.type === 'error' && f.id === null && f.code === 'bad_frame');
    runner.send({ type: 'events', id: 'bad', executionId: 'x', attempt: 0, events: [] });
    await runner.waitFor((f) => f.type === 'error' && f.id === 'bad');
    runner.send({ type: 'events', id: 'bad2', executionId: 'x', attempt: 1, events: [{ seq: 1, type: 'step.teleported' }] });
    await runner.waitFor((f) => f.type === 'error' && f.id === 'bad2');
    runner.send({ type: 'heartbeat', id: 'still', leases: [] });
    await runner.waitFor((f) => f.type === 'heartbeat_ack' && f.id === 'still');
    runner.close();
  });

  it('refuses an unknown protocol version and unauthenticated runners', async () => {
    const WebSocket = (await import('ws')).default;
    const anon = new WebSocket(`${s.url.replace('http', 'ws')}/ws/runner`);
    const status = await new Promise((resolve) => anon.on('unexpected-response', (_q, res) => resolve(res.statusCode)));
    expect(status).toBe(401);
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    runner.send({ type: 'hello', id: 'v2', protocolVersion: 2, runnerId: 'r', name: 'n', capacity: 1 });
    await runner.waitFor((f) => f.type === 'error' && f.code === 'unsupported_protocol');
  });
});
