import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

/** A hand-driven runner resends a `notify` (as after a lost answer or a retry): it is delivered once. */
let s: TestServer;
let runner: FakeRunner;

beforeAll(async () => {
  s = await startServer({ config: { leaseMs: 5000, runnerHeartbeatMs: 200, engineTickMs: 50 } });
  runner = await connectFakeRunner(s.url, s.runnerToken);
});
afterAll(async () => {
  runner.close();
  await s.close();
});

it('answers a resent notify key with the first delivery, and refuses a lease the runner does not hold', async () => {
  const wf = await s.request('POST', '/api/workflows', { body: { definition: { name: 'Resend', steps: [{ id: 'n', type: 'notify', message: 'hi' }] } } });
  const { executionId } = (await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} })).body;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  const notify = (id: string, over: Record<string, unknown> = {}) => {
    runner.send({ type: 'notify', id, executionId, attempt: grant.attempt, stepId: 'n', stepAttempt: 1, key: 'notify:n:', message: 'hi', ...over });
    return runner.waitFor((f) => f.id === id && (f.type === 'notified' || f.type === 'error'));
  };

  expect(await notify('a')).toEqual({ type: 'notified', id: 'a', delivered: ['inbox'] });
  expect(await notify('b', { message: 'changed on retry' })).toEqual({ type: 'notified', id: 'b', delivered: ['inbox'] });
  const rows = (await s.request('GET', '/api/notifications')).body.notifications.filter((n: any) => n.executionId === executionId);
  expect(rows.map((n: any) => n.message)).toEqual(['hi']);

  expect(await notify('c', { key: 'notify:n:x', attempt: grant.attempt + 1 })).toMatchObject({ type: 'error', id: 'c', code: 'lease_not_held' });
  expect(await notify('d', { key: 'notify:n:y', channel: 'nobody:#here' })).toMatchObject({ type: 'error', id: 'd', code: 'integration_not_found' });
});
