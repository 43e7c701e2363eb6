import { messageText } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/**
 * Issue 18 §4: who started a run, who saved a version, whose chat it is, and which tools a person
 * may call. No runner: a run's `startedBy` is recorded when it is queued.
 */

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const definition = (name: string) => ({ name, steps: [{ id: 'hello', type: 'bash', command: 'echo hi' }] });

async function createWorkflow(name: string, token = s.token): Promise<string> {
  const res = await s.request('POST', '/api/workflows', { token, body: { definition: definition(name) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function startedByOf(executionId: string) {
  const res = await s.request('GET', `/api/executions/${executionId}`);
  expect(res.status).toBe(200);
  return res.body.startedBy;
}

describe('who started a run', () => {
  it('records the operator who ran it, the person who re-ran it, and the person who ran a trigger by hand', async () => {
    const wfId = await createWorkflow('Owned run');
    const operator = addPersonWithToken(s, 'operator');
    const other = addPersonWithToken(s, 'operator');

    const run = await s.request('POST', `/api/workflows/${wfId}/run`, { token: operator.token, body: {} });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    expect(await startedByOf(run.body.executionId)).toEqual({ kind: 'user', id: operator.id, name: 'operator person' });

    const rerun = await s.request('POST', `/api/executions/${run.body.executionId}/rerun`, { token: other.token, body: {} });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    expect(await startedByOf(rerun.body.executionId)).toEqual({ kind: 'user', id: other.id, name: 'operator person' });

    const put = await s.request('PUT', '/api/triggers/owned-hook', {
      body: { workflowId: wfId, type: 'webhook', webhook: { path: 'owned/hook', verify: 'none' } },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const byHand = await s.request('POST', '/api/triggers/owned-hook/run', { token: other.token });
    expect(byHand.status, JSON.stringify(byHand.body)).toBe(202);
    expect(await startedByOf(byHand.body.executionId)).toEqual({ kind: 'user', id: other.id, name: 'operator person' });

    // The list answers the same, and filters by person.
    const mine = await s.request('GET', `/api/executions?startedBy=${operator.id}`);
    expect(mine.body.executions.map((e: { id: string }) => e.id)).toEqual([run.body.executionId]);
    expect(mine.body.executions[0].startedBy).toEqual({ kind: 'user', id: operator.id, name: 'operator person' });
  });
});

describe('runs the assistant starts', () => {
  it('a chat /run approved by its person records the assistant, acting for that person', async () => {
    const wfId = await createWorkflow('Chat started');
    // Approving needs `approve` (as the decision route), starting needs `run`: an admin holds both.
    const operator = addPersonWithToken(s, 'admin');
    const chat = (await s.request('POST', '/api/sessions', { token: operator.token, body: {} })).body;
    await s.request('POST', `/api/sessions/${chat.id}/messages`, { token: operator.token, body: { content: '/run chat started' } });
    await waitUntil(
      async () => (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat.id}`, { token: operator.token })).body.approvals.length > 0,
      30_000,
      'the tool approval',
    );
    const approved = await s.request('POST', `/api/sessions/${chat.id}/messages`, { token: operator.token, body: { content: '/approve' } });
    expect(approved.status).toBe(202);
    let runs: { startedBy: unknown }[] = [];
    await waitUntil(
      async () => {
        runs = (await s.request('GET', `/api/executions?workflowId=${wfId}`)).body.executions;
        return runs.length > 0;
      },
      30_000,
      'the run',
    );
    expect(runs.map((r) => r.startedBy)).toEqual([{ kind: 'assistant', id: operator.id, name: 'admin person' }]);
  });

  it('a tool call asked in a chat is that chat’s: hidden from others, readable by an admin, decided only by its person', async () => {
    await createWorkflow('Private call');
    const operator = addPersonWithToken(s, 'operator');
    const approver = addPersonWithToken(s, 'approver');
    const admin = addPersonWithToken(s, 'admin');
    const chat = (await s.request('POST', '/api/sessions', { token: operator.token, body: {} })).body;
    await s.request('POST', `/api/sessions/${chat.id}/messages`, { token: operator.token, body: { content: '/run private call' } });
    let card: { id: string } | undefined;
    await waitUntil(
      async () => {
        card = (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat.id}`, { token: operator.token })).body.approvals[0];
        return card !== undefined;
      },
      30_000,
      'the tool approval',
    );
    const id = card!.id;
    const listed = async (token: string) =>
      (await s.request('GET', '/api/approvals?status=pending', { token })).body.approvals.map((a: { id: string }) => a.id);
    expect(await listed(approver.token)).not.toContain(id);
    expect((await s.request('GET', `/api/approvals/${id}`, { token: approver.token })).status).toBe(404);
    expect((await s.request('POST', `/api/approvals/${id}/decision`, { token: approver.token, body: { decision: 'approve' } })).status).toBe(404);

    expect(await listed(admin.token)).toContain(id);
    const seen = (await s.request('GET', `/api/approvals/${id}`, { token: admin.token })).body;
    expect(seen).toMatchObject({ mayDecide: false, whyNot: expect.stringMatching(/another person’s chat/) });
    const decided = await s.request('POST', `/api/approvals/${id}/decision`, { token: admin.token, body: { decision: 'approve' } });
    expect(decided.status).toBe(403);
    expect(decided.body.error).toMatchObject({ code: 'not_your_chat', details: { ownerId: operator.id } });
    // Still waiting for its person.
    expect((await s.request('GET', `/api/approvals/${id}`, { token: admin.token })).body.status).toBe('pending');
  });
});

describe('who saved a version', () => {
  it('records the editor who created and the one who updated a workflow', async () => {
    const author = addPersonWithToken(s, 'editor');
    const reviser = addPersonWithToken(s, 'editor');
    const wfId = await createWorkflow('Owned versions', author.token);
    const updated = await s.request('PUT', `/api/workflows/${wfId}`, {
      token: reviser.token,
      body: { baseVersion: 1, definition: { ...definition('Owned versions'), description: 'second' } },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);

    const versions = (await s.request('GET', `/api/workflows/${wfId}/versions`)).body.versions as { version: number; savedBy: string | null }[];
    const savedBy = Object.fromEntries(versions.map((v) => [v.version, v.savedBy]));
    expect(savedBy).toEqual({ 1: author.id, 2: reviser.id });
  });
});

describe('whose chat it is', () => {
  it('lists a chat for its owner only; hides it from other non-admins; lets an admin read but not write', async () => {
    const owner = addPersonWithToken(s, 'viewer');
    const stranger = addPersonWithToken(s, 'viewer');
    const admin = addPersonWithToken(s, 'admin');
    const chat = await s.request('POST', '/api/sessions', { token: owner.token, body: {} });
    expect(chat.status).toBe(201);
    const id = chat.body.id as string;
    expect(chat.body).toMatchObject({ ownerId: owner.id, ownerName: 'viewer person' });

    const ids = async (token: string) => (await s.request('GET', '/api/sessions', { token })).body.sessions.map((c: { id: string }) => c.id);
    expect(await ids(owner.token)).toContain(id);
    expect(await ids(stranger.token)).not.toContain(id);
    expect(await ids(admin.token)).toContain(id);

    for (const path of [`/api/sessions/${id}`, `/api/sessions/${id}/messages`, `/api/events?topic=session:${id}`]) {
      const hidden = await s.request('GET', path, { token: stranger.token });
      expect(hidden.status, path).toBe(404);
      expect((await s.request('GET', path, { token: admin.token })).status, path).toBe(200);
    }
    const eventsHidden = await s.request('GET', `/api/events?topic=session:${id}`, { token: stranger.token });
    expect(eventsHidden.body.error.code).toBe('topic_not_found');
    const posted = await s.request('POST', `/api/sessions/${id}/messages`, { token: stranger.token, body: { content: 'hello' } });
    expect(posted.status).toBe(404);

    const adminPost = await s.request('POST', `/api/sessions/${id}/messages`, { token: admin.token, body: { content: 'hello' } });
    expect(adminPost.status).toBe(403);
    expect(adminPost.body.error).toMatchObject({ code: 'not_your_chat', details: { ownerId: owner.id } });
    const adminRename = await s.request('PATCH', `/api/sessions/${id}`, { token: admin.token, body: { title: 'mine now' } });
    expect(adminRename.status).toBe(403);
    expect(adminRename.body.error.code).toBe('not_your_chat');
    const adminDelete = await s.request('DELETE', `/api/sessions/${id}`, { token: admin.token });
    expect(adminDelete.status).toBe(403);
    // Nothing the admin tried landed.
    const messages = (await s.request('GET', `/api/sessions/${id}/messages`, { token: owner.token })).body.messages;
    expect(messages).toEqual([]);
  });

  it('a run, a re-run or a tool call posts into a chat only for that chat’s person; its runs are listed only to readers', async () => {
    const wfId = await createWorkflow('Chat-bound run');
    const alice = addPersonWithToken(s, 'operator');
    const bob = addPersonWithToken(s, 'operator');
    const admin = addPersonWithToken(s, 'admin');
    const chat = (await s.request('POST', '/api/sessions', { token: alice.token, body: {} })).body.id as string;

    // Bob cannot start a run whose events and cards land in Alice's chat; nor can an admin.
    for (const who of [bob, admin]) {
      const run = await s.request('POST', `/api/workflows/${wfId}/run`, { token: who.token, body: { sessionId: chat } });
      expect(run.status, JSON.stringify(run.body)).toBe(403);
      expect(run.body.error).toMatchObject({ code: 'not_your_chat', details: { sessionId: chat } });
      const viaTool = await s.request('POST', '/api/tools/call', {
        token: who.token,
        body: { name: 'workflows:run_workflow', arguments: { id: wfId, sessionId: chat } },
      });
      expect(viaTool.status, JSON.stringify(viaTool.body)).toBe(403);
    }
    // A tool whose approval card would go to Alice's chat, for Alice to decide on Bob's behalf.
    const asked = await s.request('POST', '/api/tools/call', {
      token: bob.token,
      body: { name: 'workflows:run_workflow', arguments: { id: wfId }, sessionId: chat },
    });
    expect(asked.status).toBe(404);

    const own = await s.request('POST', `/api/workflows/${wfId}/run`, { token: alice.token, body: { sessionId: chat } });
    expect(own.status, JSON.stringify(own.body)).toBe(202);
    // Bob's re-run of Alice's chat run is his, outside her chat; hers stays in it.
    const bobs = await s.request('POST', `/api/executions/${own.body.executionId}/rerun`, { token: bob.token, body: {} });
    expect(bobs.status).toBe(202);
    expect((await s.request('GET', `/api/executions/${bobs.body.executionId}`)).body.sessionId).toBeNull();
    const hers = await s.request('POST', `/api/executions/${own.body.executionId}/rerun`, { token: alice.token, body: {} });
    expect((await s.request('GET', `/api/executions/${hers.body.executionId}`)).body.sessionId).toBe(chat);

    const listed = async (token: string) => s.request('GET', `/api/executions?sessionId=${chat}`, { token });
    expect((await listed(bob.token)).status).toBe(404);
    expect((await listed(alice.token)).body.executions.map((e: { id: string }) => e.id).sort()).toEqual([own.body.executionId, hers.body.executionId].sort());
    expect((await listed(admin.token)).status).toBe(200);
  });

  it('the sessions topic announces another person’s chat with its place in the sequence but no title or id', async () => {
    const owner = addPersonWithToken(s, 'viewer');
    const stranger = addPersonWithToken(s, 'viewer');
    const admin = addPersonWithToken(s, 'admin');
    const id = (await s.request('POST', '/api/sessions', { token: owner.token, body: { title: 'Salary review' } })).body.id as string;
    const feed = async (token: string) =>
      (await s.request('GET', '/api/events?topic=sessions&after=0&limit=1000', { token })).body.events as { seq: number; type: string; data: any }[];
    const mine = await feed(owner.token);
    expect(mine.some((e) => e.type === 'session.updated' && e.data.id === id && e.data.title === 'Salary review')).toBe(true);
    expect((await feed(admin.token)).some((e) => e.data.id === id)).toBe(true);
    const theirs = await feed(stranger.token);
    // Same sequence numbers (replay stays exact), nothing about the chat.
    expect(theirs.map((e) => e.seq)).toEqual(mine.map((e) => e.seq));
    expect(JSON.stringify(theirs)).not.toContain('Salary review');
    expect(JSON.stringify(theirs)).not.toContain(id);
  });
});

describe('tools need their scope', () => {
  it('a viewer typing /run in their own chat starts nothing and is told they need the run permission', async () => {
    const wfId = await createWorkflow('Viewer cannot run');
    const viewer = addPersonWithToken(s, 'viewer');
    const chat = (await s.request('POST', '/api/sessions', { token: viewer.token, body: {} })).body;
    const posted = await s.request('POST', `/api/sessions/${chat.id}/messages`, { token: viewer.token, body: { content: '/run viewer cannot run' } });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);

    let reply: any;
    await waitUntil(
      async () => {
        const list = (await s.request('GET', `/api/sessions/${chat.id}/messages?limit=200`, { token: viewer.token })).body.messages;
        reply = list.find((m: { id: string }) => m.id === posted.body.assistantMessageId);
        return reply !== undefined && reply.status !== 'streaming';
      },
      30_000,
      'the command reply',
    );
    expect(messageText(reply)).toMatch(/You need the run permission/);
    // The reply is final, so the command is done: it neither started a run nor asked for approval.
    expect((await s.request('GET', `/api/executions?workflowId=${wfId}`)).body.executions).toEqual([]);
    expect((await s.request('GET', `/api/approvals?status=pending&sessionId=${chat.id}`)).body.approvals).toEqual([]);
  });

  it('POST /api/tools/call for a run tool by a viewer is 403 forbidden naming the missing scope', async () => {
    const wfId = await createWorkflow('Viewer tool call');
    const viewer = addPersonWithToken(s, 'viewer');
    // A viewer's token lacks `run`, so the route's own check answers first; a read+run token on a
    // viewer would be capped to read too. Either way the answer names `run`.
    const res = await s.request('POST', '/api/tools/call', {
      token: viewer.token,
      body: { name: 'workflows:run_workflow', arguments: { id: wfId } },
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', details: { missing: 'run' } });
    expect((await s.request('GET', `/api/executions?workflowId=${wfId}`)).body.executions).toEqual([]);
  });
});
