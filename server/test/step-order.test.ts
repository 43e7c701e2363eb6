import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

/**
 * A run's steps come back in the order they were first written, on SQLite (its rowid) and on
 * PostgreSQL (`step_runs.ord`, PostgreSQL migration 009), even when they all started in the same
 * millisecond: the clock here never moves. Ordered by start time and then by name, they came back
 * alphabetically on PostgreSQL.
 */

let s: TestServer;
let runner: FakeRunner;
beforeAll(async () => {
  const frozen = new Date('2026-12-07T02:00:00.000Z');
  s = await startServer({ clock: { now: () => new Date(frozen) }, config: { engineTickMs: 50 } });
  runner = await connectFakeRunner(s.url, s.runnerToken);
});
afterAll(async () => {
  runner?.close();
  await s?.close();
});

describe('step order', () => {
  it('is the order the runner wrote them in, not their names, when they started at the same instant', async () => {
    const steps = ['zeta', 'alpha', 'mid', 'beta'].map((id) => ({ id, type: 'bash', command: `echo ${id}` }));
    const wf = await s.request('POST', '/api/workflows', { body: { definition: { name: 'Same instant', steps } } });
    const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    const executionId = run.body.executionId as string;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const at = (stepId: string) => ({ stepId, iterationPath: '', attempt: 1 });
    expect(
      await runner.events(grant, [
        { seq: 1, type: 'step.started', ...at('zeta') },
        { seq: 2, type: 'step.succeeded', ...at('zeta'), output: 1 },
        { seq: 3, type: 'step.started', ...at('alpha') },
        { seq: 4, type: 'step.succeeded', ...at('alpha'), output: 2 },
        { seq: 5, type: 'step.started', ...at('mid') },
      ]),
    ).toMatchObject({ type: 'ack', seq: 5 });
    // A later frame: one finish of a step already recorded, one new start.
    expect(
      await runner.events(grant, [
        { seq: 6, type: 'step.succeeded', ...at('mid'), output: 3 },
        { seq: 7, type: 'step.started', ...at('beta') },
      ]),
    ).toMatchObject({ type: 'ack', seq: 7 });
    const read = (await s.request('GET', `/api/executions/${executionId}`)).body;
    expect(read.steps.map((step: { stepId: string; status: string }) => `${step.stepId} ${step.status}`)).toEqual([
      'zeta succeeded',
      'alpha succeeded',
      'mid succeeded',
      'beta running',
    ]);
    expect(new Set(read.steps.map((step: { startedAt: string }) => step.startedAt))).toEqual(new Set(['2026-12-07T02:00:00.000Z']));
    await s.request('POST', `/api/executions/${executionId}/cancel`);
  });
});
