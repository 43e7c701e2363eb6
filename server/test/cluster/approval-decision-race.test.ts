import { executionTopic } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from '../helpers/fake-runner';
import { heldOpenUpdate, literal } from '../helpers/held-open-update';
import { waitUntil } from '../helpers/live-client';
import { startServer, type TestServer } from '../helpers/server';
import { namedConnection, usePostgres } from '../support/use-postgres';

/**
 * A workflow's approval step decided on two servers of one PostgreSQL at the same moment (or
 * decided on one while the other times it out). Server A reads the pending approval; the other
 * server's decision commits before A's own UPDATE, which waits for it and then changes nothing.
 * Only the decision that changed the row counts: A answers as for an approval decided before (409
 * `already_decided`, or 200 for the same decision), keeps no decision record of its own, publishes
 * nothing and leaves the gate to the stored decision, and A's timeout does not override it.
 *
 * As in held-call-decision-race.test.ts, the other server's decision is its UPDATE of the row
 * (approvals-service.ts's), run on a connection of its own held open while A decides: two servers
 * in one test process cannot interleave their statements. That server would resolve the gate in the
 * same transaction; here the step stays waiting for it, so the tests check that A did not resolve
 * it with a decision the row does not hold. The last test races an agent step's ask the same way.
 */

const postgres = usePostgres();
let url: string;
let a: TestServer;
let runner: FakeRunner;

beforeAll(async () => {
  url = await postgres.server().createDatabase();
  a = await startServer({ env: { WEFT_DATABASE_URL: namedConnection(url, 'weft-a') }, config: { leaseMs: 600_000 } });
  runner = await connectFakeRunner(a.url, a.runnerToken, { capacity: 20 });
}, 60_000);
afterAll(async () => {
  runner?.close();
  await a?.close();
});

/** A run waiting at its approval gate (then `ship`), the fake runner reporting the wait. */
async function gateOnA(name: string, onTimeout: 'fail' | 'approve' = 'fail', minApprovals = 1) {
  const definition = {
    name,
    steps: [
      { id: 'gate', type: 'approval', message: 'Ship it?', allowSelfApproval: true, onTimeout, minApprovals },
      { id: 'ship', type: 'bash', command: 'echo ship' },
    ],
  };
  const wf = await a.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await a.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  const ack = await runner.events(grant, [
    { seq: 1, type: 'step.started', stepId: 'gate', iterationPath: '', attempt: 1 },
    {
      seq: 2,
      type: 'step.waiting',
      stepId: 'gate',
      iterationPath: '',
      attempt: 1,
      wait: { kind: 'approval', message: 'Ship it?', approvers: [], timeoutSeconds: 3600, onDeny: 'fail', onTimeout },
    },
  ]);
  expect(ack.type, JSON.stringify(ack)).toBe('ack');
  const approval = (await a.request('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals[0];
  expect(approval).toBeDefined();
  return { executionId, approvalId: approval.id as string, expiresAt: Date.parse(approval.expiresAt) };
}

/** The other server's decision (approvals-service.ts's UPDATE), committed after `holdMs`. */
function decisionHeldOpen(approvalId: string, decision: 'approve' | 'deny', by: string, holdMs: number) {
  const status = decision === 'approve' ? 'approved' : 'denied';
  const sql = `UPDATE approvals SET status = ${literal(status)}, decision = ${literal(decision)}, decided_by = ${literal(by)},
                      decided_at = ${literal(new Date().toISOString())}, comment = NULL
               WHERE id = ${literal(approvalId)} AND status = 'pending'`;
  return heldOpenUpdate(url, `decider-${approvalId}`, sql, holdMs);
}

const approvalOf = async (id: string) => (await a.request('GET', `/api/approvals/${id}`)).body;
const executionOf = async (id: string) => (await a.request('GET', `/api/executions/${id}`)).body;

/** A left the gate alone: still waiting, the run not ended, and no lease past the gate. */
async function gateUntouched(executionId: string) {
  // Long enough for a release by A to have reached the runner as a new lease.
  await new Promise((r) => setTimeout(r, 500));
  const ex = await executionOf(executionId);
  expect(ex.status).toBe('waiting');
  expect(ex.steps.find((st: { stepId: string }) => st.stepId === 'gate')).toMatchObject({ status: 'waiting' });
  expect(runner.grants.filter((g) => g.executionId === executionId)).toHaveLength(1);
}

/** How many `approval.decided` events the execution's topic holds. */
const decidedEvents = (executionId: string) =>
  Number(
    a.app.db
      .prepare<[string], { n: number | string }>("SELECT COUNT(*) AS n FROM events WHERE topic = ? AND type = 'approval.decided'")
      .get(executionTopic(executionId))!.n,
  );

describe('two decisions of one approval racing on two servers', () => {
  it('a denial committed while A approves wins: A answers 409 already_decided and the run does not go past the gate', async () => {
    const gate = await gateOnA('Denied elsewhere');
    const other = await decisionHeldOpen(gate.approvalId, 'deny', 'Bea', 1000);

    const onA = await a.request('POST', `/api/approvals/${gate.approvalId}/decision`, { body: { decision: 'approve' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(409);
    expect(onA.body.error).toMatchObject({ code: 'already_decided', details: { approval: { id: gate.approvalId, status: 'denied' } } });

    // A's approval was not recorded, as a decision or an event: the row's denial is the only one.
    const stored = await approvalOf(gate.approvalId);
    expect(stored).toMatchObject({ status: 'denied', decision: { decision: 'deny', decidedBy: 'Bea' }, decisions: [], approvalsSoFar: 0 });
    expect(decidedEvents(gate.executionId)).toBe(0);
    await gateUntouched(gate.executionId);
  });

  it('an approval committed while A denies wins: A answers 409 already_decided and does not deny the run', async () => {
    const gate = await gateOnA('Approved elsewhere');
    const other = await decisionHeldOpen(gate.approvalId, 'approve', 'Bea', 1000);

    const onA = await a.request('POST', `/api/approvals/${gate.approvalId}/decision`, { body: { decision: 'deny', comment: 'not today' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(409);
    expect(onA.body.error).toMatchObject({ code: 'already_decided', details: { approval: { id: gate.approvalId, status: 'approved' } } });

    const stored = await approvalOf(gate.approvalId);
    expect(stored).toMatchObject({ status: 'approved', decision: { decision: 'approve', decidedBy: 'Bea', comment: null }, decisions: [] });
    expect(decidedEvents(gate.executionId)).toBe(0);
    await gateUntouched(gate.executionId);
  });

  it('the same decision committed first: A answers it as decided (200, by the other decider) and records nothing of its own', async () => {
    const gate = await gateOnA('Approved twice');
    const other = await decisionHeldOpen(gate.approvalId, 'approve', 'Bea', 1000);

    const onA = await a.request('POST', `/api/approvals/${gate.approvalId}/decision`, { body: { decision: 'approve' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(200);
    expect(onA.body).toMatchObject({ id: gate.approvalId, status: 'approved', decision: { decidedBy: 'Bea' }, decisions: [] });
    expect(decidedEvents(gate.executionId)).toBe(0);
    await gateUntouched(gate.executionId);
  });

  it('two approvals of a minApprovals: 2 gate made at once count each other: the second decides it', async () => {
    const gate = await gateOnA('Two approvers', 'fail', 2);
    // The other server's partial approval: its decision row, and the row claimed as approvals-service.ts claims it.
    const other = await heldOpenUpdate(
      url,
      `approver-${gate.approvalId}`,
      `INSERT INTO approval_decisions (id, approval_id, principal_id, principal_name, decision, comment, decided_at)
         VALUES (${literal(`apd_${gate.approvalId}`)}, ${literal(gate.approvalId)}, 'usr_bea', 'Bea', 'approve', NULL, ${literal(new Date().toISOString())});
       UPDATE approvals SET status = status WHERE id = ${literal(gate.approvalId)} AND status = 'pending'`,
      1000,
    );

    const onA = await a.request('POST', `/api/approvals/${gate.approvalId}/decision`, { body: { decision: 'approve' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(200);
    expect(onA.body).toMatchObject({ id: gate.approvalId, status: 'approved' });
    expect(onA.body.decisions).toHaveLength(2);
    expect(onA.body.decisions.map((d: { by: { name: string } }) => d.by.name)).toContain('Bea');
    expect(decidedEvents(gate.executionId)).toBe(1);
  });

  it('a decision committed while A times the approval out wins over the timeout', async () => {
    const gate = await gateOnA('Approved before the timeout', 'fail');
    const other = await decisionHeldOpen(gate.approvalId, 'approve', 'Bea', 1000);

    // A's engine tick, past the expiry: its read sees the approval pending, its UPDATE waits for the decision.
    a.app.approvals.expireDue(gate.expiresAt + 1);
    await other.committed;

    expect(await approvalOf(gate.approvalId)).toMatchObject({ status: 'approved', decision: { decision: 'approve', decidedBy: 'Bea' } });
    expect(decidedEvents(gate.executionId)).toBe(0);
    // onTimeout: fail would have failed the run with ApprovalTimedOut.
    await gateUntouched(gate.executionId);
  });

  it("an agent's ask approved elsewhere while A denies it: A answers 409 already_decided and the runner is told approved", async () => {
    const definition = { name: 'Asks elsewhere', steps: [{ id: 'fix', type: 'agent_prompt', prompt: 'Fix the failing test' }] };
    const wf = await a.request('POST', '/api/workflows', { body: { definition } });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const executionId = (await a.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} })).body.executionId as string;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const askBody = {
      key: 'fix||toolu_race',
      kind: 'tool',
      tool: { name: 'workspace:bash', arguments: { command: 'npm test' } },
      preview: { command: 'npm test' },
      waitMs: 0,
      context: { executionId, stepId: 'fix', iterationPath: '', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
    };
    const asked = await a.request('POST', '/api/tools/ask', { token: a.runnerToken, body: askBody });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const approvalId = asked.body.approvalId as string;
    // agent-asks.ts's UPDATE, as the other server runs it.
    const other = await heldOpenUpdate(
      url,
      `decider-${approvalId}`,
      `UPDATE tool_approvals SET status = 'approved', decision = 'approve', decided_by = 'Bea', decided_at = ${literal(new Date().toISOString())},
              comment = NULL, scope = 'once' WHERE id = ${literal(approvalId)} AND status = 'pending'`,
      1000,
    );

    const onA = await a.request('POST', `/api/approvals/${approvalId}/decision`, { body: { decision: 'deny' } });
    await other.committed;
    expect(onA.status, JSON.stringify(onA.body)).toBe(409);
    expect(onA.body.error).toMatchObject({ code: 'already_decided', details: { approval: { id: approvalId, status: 'approved' } } });
    expect(decidedEvents(executionId)).toBe(0);
    const polled = await a.request('POST', '/api/tools/ask', { token: a.runnerToken, body: askBody });
    expect(polled.body).toMatchObject({ approvalId, status: 'approved', decision: { decidedBy: 'Bea', scope: 'once' } });
  });
});
