import { asSqlite } from '../src/db/open';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { holdFsync } from './helpers/hold-fsync';
import { waitUntil } from './helpers/live-client';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

/**
 * Group commit must not let anything out before it is on disk: with the WAL sync held back, the
 * webhook's 202 and any lease that follows a decision wait; once it returns, they arrive. The one
 * exception is a fresh execution's first lease, which leaves at the COMMIT (dispatcher `SendWhen`).
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

  it('holds the webhook reply until the batch that wrote it is synced; the fresh execution’s first lease leaves at the COMMIT', async () => {
    const workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Held') } })).body.id;
    expect(
      (await s.request('PUT', '/api/triggers/held', { body: { workflowId, type: 'webhook', enabled: true, webhook: { path: 'held', verify: 'none' } } }))
        .status,
    ).toBe(200);
    const runner = await connectFakeRunner(s.url, s.runnerToken);

    const fsyncs = holdFsync();
    const reply = fetch(`${s.url}/hooks/held`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await waitUntil(() => fsyncs.held.length > 0, 5000, 'the batch to commit and ask for its sync');
    // Committed (the row is there) but not durable: no answer; the lease is out.
    const [row] = s.app.db.prepare('SELECT id, lease_attempt FROM executions WHERE workflow_id = ?').all(workflowId) as { id: string; lease_attempt: number }[];
    expect(row).toMatchObject({ lease_attempt: 1 });
    await waitUntil(() => runner.grants.some((g) => g.executionId === row!.id), 5000, 'the first lease before the sync');
    expect(await settleSoon(reply)).toBe(false);
    expect(fsyncs.held.length).toBeGreaterThan(0);

    await fsyncs.release();
    const res = await reply;
    expect(res.status).toBe(202);
    expect(((await res.json()) as { executionId: string }).executionId).toBe(row!.id);
    runner.close();
  });

  it('holds the lease that follows an approval until the batch that granted it is synced', async () => {
    const definition = {
      name: 'Gate',
      steps: [
        { id: 'gate', type: 'approval', message: 'Go?', approvers: { roles: ['owner'] }, allowSelfApproval: true, timeoutSeconds: 3600 },
        { id: 'after', type: 'bash', command: 'echo after' },
      ],
    };
    const workflowId = (await s.request('POST', '/api/workflows', { body: { definition } })).body.id;
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    const { executionId } = (await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} })).body;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const wait = {
      kind: 'approval',
      message: 'Go?',
      approvers: { roles: ['owner'] },
      minApprovals: 1,
      allowSelfApproval: true,
      timeoutSeconds: 3600,
      onDeny: 'fail',
      onTimeout: 'fail',
    };
    await runner.events(grant, [
      { seq: 1, type: 'step.started', stepId: 'gate', iterationPath: '', attempt: 1 },
      { seq: 2, type: 'step.waiting', stepId: 'gate', iterationPath: '', attempt: 1, wait },
    ]);
    const approval = (await s.request('GET', '/api/approvals?status=pending')).body.approvals.find(
      (a: { executionId: string }) => a.executionId === executionId,
    );

    const fsyncs = holdFsync();
    const decided = s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'approve' } });
    await waitUntil(() => fsyncs.held.length > 0, 5000, 'the decision to commit and ask for its sync');
    await waitUntil(
      () => (s.app.db.prepare('SELECT lease_attempt FROM executions WHERE id = ?').get(executionId) as { lease_attempt: number }).lease_attempt === 2,
      5000,
      'the second lease granted in the database',
    );
    // Granted and committed, but it acts on a person's decision: it does not leave before the sync.
    expect((await decided).status).toBe(200);
    await new Promise((r) => setTimeout(r, 150));
    expect(runner.grants.filter((g) => g.executionId === executionId)).toHaveLength(1);

    await fsyncs.release();
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId && g.attempt === 2), 5000, 'the second lease after the sync');
    runner.close();
  });
});
