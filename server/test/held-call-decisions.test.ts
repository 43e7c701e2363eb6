import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wipeTool } from './helpers/wipe-tool';
import { waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/**
 * Two people deciding one held tool call at once, on one server (either store): exactly one decision
 * is stored, the other is answered as the decision route answers a decided approval (409
 * `already_decided`, or 200 for the same decision), and the call runs exactly when the stored row
 * says approved. The race across servers is test/cluster/held-call-decision-race.test.ts.
 */

let s: TestServer;
/** What the destructive test tool really did. */
const ran: string[] = [];

beforeAll(async () => {
  s = await startServer();
  s.app.tools.register([wipeTool((target) => ran.push(target))]);
});
afterAll(async () => {
  await s?.close();
});

/** A workflow's destructive call (no person behind it), held for a decision: its outcome and its approval's id. */
async function held(target: string) {
  let approvalId = '';
  const outcome = s.app.tools.call('test:wipe', { target }, { actor: 'workflow', onApprovalRequested: (id) => (approvalId = id) }).then(
    () => 'ran' as const,
    (err: { code?: string }) => err.code ?? 'failed',
  );
  await waitUntil(() => approvalId !== '', 5_000, 'the held call');
  return { approvalId, outcome };
}

const stored = (id: string) =>
  s.app.db.prepare<[string], { status: string; decided_by: string | null }>('SELECT status, decided_by FROM tool_approvals WHERE id = ?').get(id)!;

describe('two decisions of one held call at once', () => {
  it('over the decision route: one is stored, the other is 409 already_decided, and the call follows the stored one', async () => {
    const ann = addPersonWithToken(s, 'approver');
    const ben = addPersonWithToken(s, 'approver');
    for (const [round, first] of (['approve', 'deny', 'approve', 'deny'] as const).entries()) {
      const target = `route-${round}`;
      const call = await held(target);
      const second = first === 'approve' ? 'deny' : 'approve';
      const answers = await Promise.all([
        s.request('POST', `/api/approvals/${call.approvalId}/decision`, { token: ann.token, body: { decision: first } }),
        s.request('POST', `/api/approvals/${call.approvalId}/decision`, { token: ben.token, body: { decision: second } }),
      ]);
      const won = answers.filter((r) => r.status === 200);
      const lost = answers.filter((r) => r.status !== 200);
      expect(won, JSON.stringify(answers.map((r) => r.body))).toHaveLength(1);
      expect(lost[0]).toMatchObject({ status: 409, body: { error: { code: 'already_decided' } } });
      const row = stored(call.approvalId);
      expect(won[0]!.body).toMatchObject({ status: row.status });
      expect(lost[0]!.body.error.details.approval).toMatchObject({ status: row.status });
      expect(await call.outcome).toBe(row.status === 'approved' ? 'ran' : 'tool_call_denied');
      expect(ran.includes(target)).toBe(row.status === 'approved');
    }
  });

  it('through the service: the loser throws 409 already_decided, the winner is stored and the call follows it', async () => {
    const call = await held('service');
    const decide = (decision: 'approve' | 'deny', who: string) =>
      Promise.resolve().then(() => s.app.toolApprovals.decide({ id: call.approvalId, decision, decidedBy: who }));
    const [denied, approved] = await Promise.allSettled([decide('deny', 'Dee'), decide('approve', 'Abe')]);
    expect(denied).toMatchObject({ status: 'fulfilled', value: { status: 'denied' } });
    expect(approved).toMatchObject({ status: 'rejected', reason: { statusCode: 409, code: 'already_decided' } });
    expect(stored(call.approvalId)).toEqual({ status: 'denied', decided_by: 'Dee' });
    expect(await call.outcome).toBe('tool_call_denied');
    expect(ran).not.toContain('service');
  });

  it('the same decision twice: both answer the stored one (by its first decider), and the call runs once', async () => {
    const call = await held('twice');
    const decide = (who: string) => Promise.resolve().then(() => s.app.toolApprovals.decide({ id: call.approvalId, decision: 'approve', decidedBy: who }));
    const answers = await Promise.all([decide('Abe'), decide('Ada')]);
    expect(answers.map((a) => a.decision?.decidedBy)).toEqual(['Abe', 'Abe']);
    expect(await call.outcome).toBe('ran');
    expect(ran.filter((t) => t === 'twice')).toEqual(['twice']);
  });
});
