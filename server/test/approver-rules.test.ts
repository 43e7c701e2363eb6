import { ROLE_SCOPES, type Role } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, PAT_PREFIX } from '../src/people/api-tokens';
import { finishedExecution } from './helpers/executions';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/**
 * Approver rules on approval steps (issue 18 §3): a real server and a real runner process; the
 * people are rows in SQLite, each signed in with a personal access token.
 */
let s: TestServer;
let r: RunnerProcess;
const dataDir = makeDataDir();
const tokens: Record<string, string> = {};

/** A person with a personal token carrying all their role's scopes. */
function addPerson(id: string, role: Role) {
  const now = Date.now();
  s.app.db
    .prepare('INSERT INTO users (id, name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id, id, `${id}@example.com`, role, now, now);
  const token = `${PAT_PREFIX}${id}-token-0123456789abcdef`;
  s.app.db
    .prepare('INSERT INTO api_tokens (id, user_id, name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(`tok_${id}`, id, 'test', JSON.stringify(ROLE_SCOPES[role]), hashToken(token), now);
  tokens[id] = token;
}

beforeAll(async () => {
  s = await startServer({ dataDir, env: { WEFT_TOKEN: 'approver-rules-token-0123456789' }, config: { engineTickMs: 50 } });
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir });
  addPerson('ana', 'approver');
  addPerson('bob', 'approver');
  addPerson('cy', 'admin');
  addPerson('vi', 'viewer');
});
afterAll(async () => {
  await r.kill();
  await s.close();
});

const as = (person: string) => ({ token: tokens[person]! });
const decide = (person: string, approvalId: string, decision: 'approve' | 'deny', comment?: string) =>
  s.request('POST', `/api/approvals/${approvalId}/decision`, { ...as(person), body: { decision, ...(comment ? { comment } : {}) } });
const approvalAs = async (person: string, id: string) => (await s.request('GET', `/api/approvals/${id}`, as(person))).body;

/** Runs a workflow gated by `gate` (an approval step's extra config) and waits at the gate. */
async function gatedRun(gate: Record<string, unknown>) {
  const definition = {
    name: 'Gated',
    steps: [
      { id: 'gate', type: 'approval', message: 'Ship it?', ...gate },
      { id: 'after', type: 'bash', command: 'echo shipped' },
    ],
  };
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const started = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const executionId: string = started.body.executionId;
  let approval: any;
  await waitUntil(
    async () => {
      approval = (await s.request('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals[0];
      return approval !== undefined;
    },
    20_000,
    'the approval',
  );
  return { workflowId: wf.body.id as string, executionId, approvalId: approval.id as string };
}

const auditOf = (approvalId: string) =>
  s.app.db
    .prepare("SELECT actor_id, action, details FROM audit_log WHERE action = 'approval.decided' AND target_kind = 'approval' AND target_id = ? ORDER BY id")
    .all(approvalId) as { actor_id: string; action: string; details: string }[];

describe('approver rules', () => {
  it('someone the step does not name gets 403 not_an_approver saying who may decide; a viewer lacks the scope', async () => {
    const { executionId, approvalId } = await gatedRun({ approvers: { users: ['ana@example.com'], roles: ['admin'] } });
    const refused = await decide('bob', approvalId, 'approve');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'not_an_approver',
      message: 'Only user ana@example.com or role admin may decide this approval.',
      details: { reason: 'not_named', mayDecide: { users: ['ana@example.com'], roles: ['admin'] } },
    });
    expect((await decide('vi', approvalId, 'approve')).body.error).toMatchObject({ code: 'forbidden', details: { missing: 'approve' } });
    expect(await approvalAs('bob', approvalId)).toMatchObject({ mayDecide: false, whyNot: expect.stringContaining('Only user ana@example.com') });
    expect(await approvalAs('ana', approvalId)).toMatchObject({ mayDecide: true, approvers: { users: ['ana@example.com'], roles: ['admin'] } });
    expect(auditOf(approvalId)).toEqual([]); // a refused decision records nothing

    const ok = await decide('ana', approvalId, 'approve', 'looks right');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ status: 'approved', decision: { decidedBy: 'ana', comment: 'looks right' }, approvalsSoFar: 1, approvalsNeeded: 1 });
    expect((await finishedExecution(s, executionId)).status).toBe('succeeded');
  });

  it('refuses self-approval by the run starter and by the version saver; allowSelfApproval lets them', async () => {
    const started = await gatedRun({});
    s.app.db.prepare("UPDATE executions SET started_by_kind = 'user', started_by_id = 'ana' WHERE id = ?").run(started.executionId);
    const byStarter = await decide('ana', started.approvalId, 'approve');
    expect(byStarter.status).toBe(403);
    expect(byStarter.body.error).toMatchObject({ code: 'not_an_approver', details: { reason: 'started_the_run' } });
    expect(await approvalAs('ana', started.approvalId)).toMatchObject({ mayDecide: false, whyNot: 'You started this run, so someone else must decide it.' });

    // A run the assistant started for a person (a chat's /run, the assistant's tool) is theirs too.
    const forAna = await gatedRun({});
    s.app.db.prepare("UPDATE executions SET started_by_kind = 'assistant', started_by_id = 'ana' WHERE id = ?").run(forAna.executionId);
    const byRequester = await decide('ana', forAna.approvalId, 'approve');
    expect(byRequester.body.error).toMatchObject({ code: 'not_an_approver', details: { reason: 'started_the_run' } });
    expect((await decide('bob', forAna.approvalId, 'approve')).status).toBe(200);

    // The list puts what the person may decide first.
    const saved = await gatedRun({});
    s.app.db.prepare("UPDATE workflow_versions SET saved_by = 'ana' WHERE workflow_id = ?").run(saved.workflowId);
    const listed = (await s.request('GET', '/api/approvals?status=pending', as('ana'))).body.approvals.filter((a: any) =>
      [started.approvalId, saved.approvalId].includes(a.id),
    );
    expect(listed.map((a: any) => a.mayDecide)).toEqual([false, false]);
    const bobsList = (await s.request('GET', '/api/approvals?status=pending', as('bob'))).body.approvals;
    const mayDecideOrder = bobsList.map((a: any) => a.mayDecide);
    expect(mayDecideOrder).toEqual([...mayDecideOrder].sort((a, b) => Number(b) - Number(a)));
    expect(bobsList.filter((a: any) => [started.approvalId, saved.approvalId].includes(a.id)).map((a: any) => a.mayDecide)).toEqual([true, true]);

    const bySaver = await decide('ana', saved.approvalId, 'deny');
    expect(bySaver.body.error).toMatchObject({ code: 'not_an_approver', details: { reason: 'saved_the_version' } });
    expect((await decide('bob', started.approvalId, 'approve')).status).toBe(200);
    expect((await decide('bob', saved.approvalId, 'approve')).status).toBe(200);

    // A schedule's run has no starter; allowSelfApproval lets the starter and the saver decide.
    const own = await gatedRun({ allowSelfApproval: true });
    s.app.db.prepare("UPDATE executions SET started_by_kind = 'user', started_by_id = 'ana' WHERE id = ?").run(own.executionId);
    s.app.db.prepare("UPDATE workflow_versions SET saved_by = 'ana' WHERE workflow_id = ?").run(own.workflowId);
    expect((await decide('ana', own.approvalId, 'approve')).status).toBe(200);
    const scheduled = await gatedRun({});
    s.app.db.prepare("UPDATE executions SET started_by_kind = 'schedule', started_by_id = 'ana' WHERE id = ?").run(scheduled.executionId);
    expect((await decide('ana', scheduled.approvalId, 'approve')).status).toBe(200);
    expect((await finishedExecution(s, own.executionId)).status).toBe('succeeded');
  });

  it('minApprovals 2: the first approval leaves the step waiting, the same person again is 409, a second person continues it', async () => {
    const { executionId, approvalId } = await gatedRun({ minApprovals: 2 });
    const first = await decide('ana', approvalId, 'approve', 'fine by me');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'pending',
      approvalsSoFar: 1,
      approvalsNeeded: 2,
      mayDecide: false,
      whyNot: 'You have already decided this approval.',
    });
    expect(first.body.decision).toBeUndefined();
    expect((await s.request('GET', `/api/executions/${executionId}`)).body.status).toBe('waiting');

    const again = await decide('ana', approvalId, 'approve');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_decided');
    expect((await approvalAs('bob', approvalId)).mayDecide).toBe(true);

    const second = await decide('bob', approvalId, 'approve', 'ship');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'approved', approvalsSoFar: 2, decision: { decision: 'approve', decidedBy: 'bob', comment: 'ship' } });
    expect(second.body.decisions).toEqual([
      { by: { id: 'ana', name: 'ana' }, decision: 'approve', comment: 'fine by me', at: expect.any(String) },
      { by: { id: 'bob', name: 'bob' }, decision: 'approve', comment: 'ship', at: expect.any(String) },
    ]);
    expect((await finishedExecution(s, executionId)).status).toBe('succeeded');

    const audit = auditOf(approvalId);
    expect(audit.map((a) => a.actor_id)).toEqual(['ana', 'bob']);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ decision: 'approve', comment: 'fine by me', approvalsSoFar: 1, approvalsNeeded: 2 });
  });

  it('one denial ends an approval that needs two, at once', async () => {
    const { executionId, approvalId } = await gatedRun({ minApprovals: 2 });
    expect((await decide('ana', approvalId, 'approve')).status).toBe(200);
    const denied = await decide('cy', approvalId, 'deny', 'not today');
    expect(denied.body).toMatchObject({ status: 'denied', decision: { decision: 'deny', decidedBy: 'cy', comment: 'not today' } });
    const ex = await finishedExecution(s, executionId);
    expect(ex).toMatchObject({ status: 'denied', error: { name: 'ApprovalDenied', message: 'Denied by cy: not today' } });
    expect((await decide('bob', approvalId, 'approve')).body.error.code).toBe('already_decided');
    expect(auditOf(approvalId).map((a) => [a.actor_id, JSON.parse(a.details).decision])).toEqual([
      ['ana', 'approve'],
      ['cy', 'deny'],
    ]);
  });
});
