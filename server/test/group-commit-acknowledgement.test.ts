import { asSqlite } from '../src/db/open';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { holdFsync } from './helpers/hold-fsync';
import { waitUntil } from './helpers/live-client';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

/**
 * Group commit must not let anything out before it is on disk: with the WAL sync held back, the
 * webhook's 202 and the runner's lease wait; once it returns, both arrive.
 */
let s: TestServer;
beforeAll(async () => {
  // FULL, the production default and the test helper's: batches wait for their WAL sync.
  s = await startServer({ config: { engineTickMs: 60_000 } });
});
afterAll(() => s.close());
afterEach(() => vi.restoreAllMocks());

const settleSoon = <T>(p: Promise<T>, ms = 150) => Promise.race([p.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms))]);

describe('acknowledgement after the WAL sync', () => {
  it('runs at the production durability: the test helper sets no synchronous level of its own', () => {
    expect(asSqlite(s.app.db, 'synchronous').pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('holds the webhook reply and the lease until the batch that wrote them is synced', async () => {
    const workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Held') } })).body.id;
    expect(
      (await s.request('PUT', '/api/triggers/held', { body: { workflowId, type: 'webhook', enabled: true, webhook: { path: 'held', verify: 'none' } } }))
        .status,
    ).toBe(200);
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    await waitUntil(() => runner.frames.some((f) => f.type === 'welcome'));

    const fsyncs = holdFsync();
    const reply = fetch(`${s.url}/hooks/held`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await waitUntil(() => fsyncs.held.length > 0, 5000, 'the batch to commit and ask for its sync');
    // Committed (the row is there) but not durable: no answer, no lease.
    expect((s.app.db.prepare('SELECT COUNT(*) AS n FROM executions WHERE workflow_id = ?').get(workflowId) as { n: number }).n).toBe(1);
    expect(await settleSoon(reply)).toBe(false);
    expect(runner.grants).toHaveLength(0);

    await fsyncs.release();
    const res = await reply;
    expect(res.status).toBe(202);
    const { executionId } = (await res.json()) as { executionId: string };
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 5000, 'the lease after the sync');
    runner.close();
  });
});
