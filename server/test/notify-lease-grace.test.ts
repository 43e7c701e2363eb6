import { expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { makeDataDir, startServer } from './helpers/server';

/**
 * A runner's `notify` is lease-checked by the engine's rule (lease-grace.ts), as tool calls are: right
 * after a restart a lease recorded before it holds through the grace, even when the server was down
 * past its recorded expiry; once the grace is over it does not.
 */
it('delivers a notify under a lease from before a restart within the grace, and refuses it after', async () => {
  const dataDir = makeDataDir();
  const before = await startServer({ dataDir });
  const first = await connectFakeRunner(before.url, before.runnerToken);
  const wf = await before.request('POST', '/api/workflows', { body: { definition: { name: 'Restart', steps: [{ id: 'n', type: 'notify', message: 'hi' }] } } });
  const { executionId } = (await before.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} })).body;
  await waitUntil(() => first.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = first.grants.find((g) => g.executionId === executionId)!;
  first.close();
  const leaseMs = before.app.config.leaseMs;
  await before.close();

  // The server was down for longer than the lease: its recorded expiry has passed at the restart.
  const clock = { skew: leaseMs + 1_000, now: () => new Date(Date.now() + clock.skew) };
  const after = await startServer({ dataDir, clock });
  try {
    const row = after.app.db.prepare('SELECT lease_expires_at FROM executions WHERE id = ?').get(executionId) as { lease_expires_at: number };
    expect(row.lease_expires_at).toBeLessThan(clock.now().getTime());
    const runner = await connectFakeRunner(after.url, after.runnerToken, { runnerId: first.runnerId });
    const notify = (id: string, key: string) => {
      runner.send({ type: 'notify', id, executionId, attempt: grant.attempt, stepId: 'n', stepAttempt: 1, key, message: 'hi' });
      return runner.waitFor((f) => f.id === id && (f.type === 'notified' || f.type === 'error'));
    };
    expect(await notify('in-grace', 'notify:n:')).toEqual({ type: 'notified', id: 'in-grace', delivered: ['inbox'] });
    const inbox = (await after.request('GET', '/api/notifications')).body.notifications.filter((n: { executionId: string }) => n.executionId === executionId);
    expect(inbox.map((n: { message: string }) => n.message)).toEqual(['hi']);

    clock.skew += leaseMs;
    expect(after.app.engine.grace.inGrace(clock.now().getTime())).toBe(false);
    expect(await notify('past-grace', 'notify:n:again')).toMatchObject({ type: 'error', id: 'past-grace', code: 'lease_not_held' });
    runner.close();
  } finally {
    await after.close();
  }
});
