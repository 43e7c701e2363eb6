import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { startServer, type TestServer } from './helpers/server';

let s: TestServer;
// A tick too slow to matter: any grant seen here comes from a kick, not from the ticker.
beforeAll(async () => {
  s = await startServer({ config: { engineTickMs: 600_000 } });
});
afterAll(() => s.close());

const oneStep = { name: 'One step', steps: [{ id: 'one', type: 'wait', until: '2000-01-01T00:00:00Z' }] };

describe('dispatch when a lease is given back', () => {
  it('grants the next queued execution in the batch that finishes the last one, beside its ack', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 1, heartbeat: false });
    const wf = await s.request('POST', '/api/workflows', { body: { definition: oneStep } });
    const first = (await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} })).body.executionId as string;
    const grant = (await runner.waitFor((f) => f.type === 'lease' && f.grant.executionId === first)).grant;
    const second = (await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} })).body.executionId as string;
    // The runner's only slot is taken: the second run waits in the queue.
    expect((await s.request('GET', `/api/executions/${second}`)).body.status).toBe('queued');
    expect(runner.grants.map((g) => g.executionId)).toEqual([first]);

    const ack = await runner.events(grant, [
      { seq: 1, type: 'step.started', stepId: 'one', iterationPath: '', attempt: 1 },
      { seq: 2, type: 'step.succeeded', stepId: 'one', iterationPath: '', attempt: 1, output: null },
      { seq: 3, type: 'execution.finished', status: 'succeeded' },
    ]);
    expect(ack).toMatchObject({ type: 'ack', seq: 3 });
    const lease = await runner.waitFor((f) => f.type === 'lease' && f.grant.executionId === second);
    // Same group commit: a fresh run's lease leaves at that batch's COMMIT, the ack that freed its
    // slot once the batch is synced, so the two are adjacent frames, the lease first.
    expect(runner.frames.indexOf(lease)).toBe(runner.frames.indexOf(ack) - 1);
    expect((await s.request('GET', `/api/executions/${first}`)).body.status).toBe('succeeded');
    expect((await s.request('GET', `/api/executions/${second}`)).body.status).toBe('running');
    runner.close();
  });
});
