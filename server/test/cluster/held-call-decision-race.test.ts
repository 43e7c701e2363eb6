import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wipeTool } from '../helpers/wipe-tool';
import { connectFakeRunner, type FakeRunner } from '../helpers/fake-runner';
import { heldOpenUpdate, literal } from '../helpers/held-open-update';
import { waitUntil } from '../helpers/live-client';
import { startServer, type TestServer } from '../helpers/server';
import { namedConnection, usePostgres } from '../support/use-postgres';

/**
 * Two servers on one PostgreSQL, deciding one held tool call at the same moment. A holds the call
 * (its runner's request waits there); the other server's decision commits between A's read of the
 * pending row and A's own UPDATE, which then waits for it and changes nothing. Only the decision that
 * changed the row counts: A answers 409 `already_decided` and its waiting call follows the stored row,
 * so a call runs exactly when the row says approved.
 *
 * Two servers in one test process cannot interleave their statements (a server's database calls
 * block its thread), so the other server's decision is its own UPDATE, run on a connection of its
 * own and held open (`pg_sleep`) while A decides: what B does, committed at the worst moment.
 */

const postgres = usePostgres();
let url: string;
let a: TestServer;
let b: TestServer;
let runner: FakeRunner;
/** What A's destructive test tool really did. */
const ran: string[] = [];

beforeAll(async () => {
  url = await postgres.server().createDatabase();
  a = await startServer({ env: { WEFT_DATABASE_URL: namedConnection(url, 'weft-a') }, config: { leaseMs: 600_000 } });
  b = await startServer({ env: { WEFT_DATABASE_URL: namedConnection(url, 'weft-b') }, config: { leaseMs: 600_000 } });
  a.app.tools.register([wipeTool((target) => ran.push(target))]);
  runner = await connectFakeRunner(a.url, a.runnerToken, { capacity: 20 });
  for (const s of [a, b]) await waitUntil(() => s.app.cluster.listener?.listening === true, 10_000, 'LISTEN');
}, 60_000);
afterAll(async () => {
  runner?.close();
  await b?.close();
  await a?.close();
});

/** A held call of A's runner (a workflow's destructive call), its request waiting on A. */
async function heldOnA(target: string) {
  const wf = await a.request('POST', '/api/workflows', {
    body: { definition: { name: `Wipe ${target}`, steps: [{ id: 'say', type: 'bash', command: 'echo' }] } },
  });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await a.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  const call = a.request('POST', '/api/tools/call', {
    token: a.runnerToken,
    body: { name: 'test:wipe', arguments: { target }, context: { executionId, stepId: 'say', runnerId: runner.runnerId, leaseAttempt: grant.attempt } },
  });
  let approvalId = '';
  await waitUntil(
    () => {
      const row = a.app.db.prepare<[string], { id: string }>("SELECT id FROM tool_approvals WHERE execution_id = ? AND status = 'pending'").get(executionId);
      approvalId = row?.id ?? '';
      return row !== undefined;
    },
    10_000,
    'the held call',
  );
  return { call, approvalId };
}

/**
 * The other server's decision (tool-approvals.ts's UPDATE) in a transaction that stays open for
 * `holdMs` after it: A's UPDATE of the same row waits for its commit.
 */
function decisionHeldOpen(approvalId: string, decision: 'approve' | 'deny', by: string, holdMs: number) {
  const status = decision === 'approve' ? 'approved' : 'denied';
  return heldOpenUpdate(
    url,
    `decider-${approvalId}`,
    `UPDATE tool_approvals SET status = ${literal(status)}, decision = ${literal(decision)}, decided_by = ${literal(by)}, decided_by_id = NULL,
            decided_at = ${literal(new Date().toISOString())}, comment = NULL WHERE id = ${literal(approvalId)} AND status = 'pending'`,
    holdMs,
  );
}

const storedRow = async (approvalId: string) =>
  (await b.request('GET', `/api/approvals/${approvalId}`)).body as { status: string; decision: { decidedBy: string } | undefined };

describe('two decisions of one held call racing on two servers', () => {
  it('a denial committed while A approves wins: A answers 409 already_decided and the call does not run', async () => {
    const held = await heldOnA('denied-elsewhere');
    const other = await decisionHeldOpen(held.approvalId, 'deny', 'Bea', 1000);

    const onA = await a.request('POST', `/api/approvals/${held.approvalId}/decision`, { body: { decision: 'approve' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(409);
    expect(onA.body.error).toMatchObject({ code: 'already_decided', details: { approval: { id: held.approvalId, status: 'denied' } } });

    const call = await held.call;
    expect(call.status, JSON.stringify(call.body)).toBe(403);
    expect(call.body.error).toMatchObject({ code: 'tool_call_denied' });
    expect(call.body.error.message).toMatch(/denied by Bea/);
    expect(ran).not.toContain('denied-elsewhere');
    expect(await storedRow(held.approvalId)).toMatchObject({ status: 'denied', decision: { decidedBy: 'Bea' } });
  });

  it('an approval committed while A denies wins: A answers 409 already_decided and the call runs, as the row says', async () => {
    const held = await heldOnA('approved-elsewhere');
    const other = await decisionHeldOpen(held.approvalId, 'approve', 'Bea', 1000);

    const onA = await a.request('POST', `/api/approvals/${held.approvalId}/decision`, { body: { decision: 'deny' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(409);
    expect(onA.body.error).toMatchObject({ code: 'already_decided', details: { approval: { id: held.approvalId, status: 'approved' } } });

    const call = await held.call;
    expect(call.status, JSON.stringify(call.body)).toBe(200);
    expect(ran).toContain('approved-elsewhere');
    expect(await storedRow(held.approvalId)).toMatchObject({ status: 'approved', decision: { decidedBy: 'Bea' } });
  });

  it('the same decision committed first: A answers it as decided (200, by the other decider), and the call runs once', async () => {
    const held = await heldOnA('approved-twice');
    const other = await decisionHeldOpen(held.approvalId, 'approve', 'Bea', 1000);

    const onA = await a.request('POST', `/api/approvals/${held.approvalId}/decision`, { body: { decision: 'approve' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(200);
    expect(onA.body).toMatchObject({ id: held.approvalId, status: 'approved', decision: { decidedBy: 'Bea' } });
    expect((await held.call).status).toBe(200);
    expect(ran.filter((t) => t === 'approved-twice')).toEqual(['approved-twice']);
  });
});
