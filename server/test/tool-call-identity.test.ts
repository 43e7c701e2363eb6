import { messageText } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/live-client';
import { addPerson } from './helpers/people';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

/**
 * Who a tool call acts for, and with which rights: a person naming someone else's run as the call's
 * context, a held call approved after its person lost the right, and whom the audit log names.
 * No runner: runs are only queued, which is all these tests look at.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

type Person = { id: string; cookie: string };
const as = (p: Person) => ({ token: null, headers: { cookie: p.cookie } });
const call = (p: Person, body: unknown) => s.request('POST', '/api/tools/call', { ...as(p), body });

async function workflow(name: string): Promise<string> {
  const res = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition(name) } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function runsOf(workflowId: string) {
  return (await s.request('GET', `/api/executions?workflowId=${workflowId}&limit=50`)).body.executions as { id: string; sessionId: string | null }[];
}

async function chatOf(p: Person): Promise<string> {
  const res = await s.request('POST', '/api/sessions', { ...as(p), body: {} });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function replyText(p: Person, sessionId: string, messageId: string): Promise<string> {
  let msg: any;
  await waitUntil(async () => {
    msg = (await s.request('GET', `/api/sessions/${sessionId}/messages?limit=200`, as(p))).body.messages.find((m: any) => m.id === messageId);
    return msg !== undefined && msg.status !== 'streaming';
  });
  return messageText(msg);
}

describe('a person naming a run as a tool call context', () => {
  it("may not post into another person's chat through it; in their own chat the run they start is theirs", async () => {
    const alice = await addPerson(s, { name: 'Alice', email: 'alice@example.com', role: 'editor' });
    const bob = await addPerson(s, { name: 'Bob', email: 'bob@example.com', role: 'operator' });
    const dan = await addPerson(s, { name: 'Dan', email: 'dan@example.com', role: 'admin' });
    const wf = await workflow('In a chat');
    const aliceChat = await chatOf(alice);
    const hers = await s.request('POST', `/api/workflows/${wf}/run`, { ...as(alice), body: { sessionId: aliceChat } });
    expect(hers.status).toBe(202);
    const through = { name: 'workflows:run_workflow', arguments: { id: wf }, context: { executionId: hers.body.executionId } };

    // Refused as naming her chat directly would be: 404 to who may not read it, 403 to an admin.
    const byBob = await call(bob, through);
    expect(byBob.status, JSON.stringify(byBob.body)).toBe(404);
    const byDan = await call(dan, through);
    expect(byDan.status).toBe(403);
    expect(byDan.body.error.code).toBe('not_your_chat');
    expect(await runsOf(wf)).toHaveLength(1);

    // Alice's own: the run starts in her chat, and it is recorded as hers (self-approval rules see her).
    const byAlice = await call(alice, through);
    expect(byAlice.status, JSON.stringify(byAlice.body)).toBe(200);
    const started = await s.request('GET', `/api/executions/${byAlice.body.result.executionId}`, as(alice));
    expect(started.body).toMatchObject({ sessionId: aliceChat, startedBy: { kind: 'user', id: alice.id } });
    const audit = s.app.db
      .prepare("SELECT actor_kind, actor_id FROM audit_log WHERE action = 'execution.started' AND target_id = ?")
      .get(byAlice.body.result.executionId);
    expect(audit).toEqual({ actor_kind: 'user', actor_id: alice.id });
  });
});

describe('a held tool call', () => {
  it('does not run when its person lost the right before approving it', async () => {
    // Deciding needs `approve` (as the decision route): she holds it before and after, only `run` goes.
    const olga = await addPerson(s, { name: 'Olga', email: 'olga@example.com', role: 'admin' });
    const wf = await workflow('Deploy');
    const chat = await chatOf(olga);
    const posted = await s.request('POST', `/api/sessions/${chat}/messages`, { ...as(olga), body: { content: '/run deploy' } });
    expect(posted.status).toBe(202);
    await waitUntil(async () => {
      const pending = (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat}`, as(olga))).body.approvals;
      return pending.some((a: any) => a.kind === 'tool');
    });
    // The owner lowers her to an approver: she may no longer start runs.
    expect((await s.request('PATCH', `/api/users/${olga.id}`, { body: { role: 'approver' } })).status).toBe(200);
    expect((await s.request('POST', `/api/workflows/${wf}/run`, { ...as(olga), body: {} })).status).toBe(403);

    const approve = await s.request('POST', `/api/sessions/${chat}/messages`, { ...as(olga), body: { content: '/approve' } });
    expect(approve.status).toBe(202);
    await replyText(olga, chat, approve.body.assistantMessageId);
    const reply = await replyText(olga, chat, posted.body.assistantMessageId);
    expect(reply).toMatch(/run permission/);
    expect(await runsOf(wf)).toEqual([]);
  });

  it('once approved runs as, and is audited as, the person who approved it', async () => {
    const paul = await addPerson(s, { name: 'Paul', email: 'paul@example.com', role: 'admin' });
    const wf = await workflow('Tidy');
    const chat = await chatOf(paul);
    const posted = await s.request('POST', `/api/sessions/${chat}/messages`, { ...as(paul), body: { content: '/run tidy' } });
    await waitUntil(async () => (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat}`, as(paul))).body.approvals.length > 0);
    const approve = await s.request('POST', `/api/sessions/${chat}/messages`, { ...as(paul), body: { content: '/approve' } });
    await replyText(paul, chat, approve.body.assistantMessageId);
    await replyText(paul, chat, posted.body.assistantMessageId);
    const [run] = await runsOf(wf);
    expect(run).toBeDefined();
    const audit = s.app.db.prepare("SELECT actor_kind, actor_id FROM audit_log WHERE action = 'execution.started' AND target_id = ?").get(run!.id);
    expect(audit).toEqual({ actor_kind: 'user', actor_id: paul.id });
  });
});
