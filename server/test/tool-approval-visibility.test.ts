import { APPROVALS_TOPIC, type JournalEventEnvelope, SESSIONS_TOPIC } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { connectLive, followEach, type LiveClient, waitUntil } from './helpers/live-client';
import { addPersonWithToken, principalAs } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';
import type { UserPrincipal } from '../src/auth/principal';
import { createToolReaders } from '../src/approvals/tool-readers';
import { eventViewFor } from '../src/journal/topics';
import { createChatVisibility, REMEMBERED_CHATS } from '../src/sessions/chat-visibility';

/**
 * A tool approval asked in a chat (the assistant's held call, an agent step's ask of a run in the
 * chat) is read by the chat's person, an admin and, while an ask is pending, whoever its step's rule
 * names to decide it: over REST and over the `approvals` topic alike. Anyone else following the
 * topic gets each such event's seq with `data: {}`, as the `sessions` topic hides another
 * person's chat, and so does `session.deleted`.
 */

let s: TestServer;
let runner: FakeRunner;
beforeAll(async () => {
  s = await startServer();
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
});
afterAll(async () => {
  runner.close();
  await s.close();
});

type Person = { id: string; token: string };
type Frame = { type: string; event: JournalEventEnvelope & { data: any } };

/** The events of `topic` after `after` as `name` received them: live, then over /api/events (the same). */
async function received(c: LiveClient, token: string, topic: string, after: number): Promise<JournalEventEnvelope[]> {
  const head = s.app.journal.lastSeq(topic);
  await c.waitFor((f) => f.type === 'event' && f.event.topic === topic && f.event.seq === head);
  const live = c.frames.filter((f: Frame) => f.type === 'event' && f.event.topic === topic && f.event.seq > after).map((f: Frame) => f.event);
  const rest = await s.request('GET', `/api/events?topic=${topic}&after=${after}&limit=1000`, { token });
  expect(rest.status).toBe(200);
  expect(rest.body.events).toEqual(live);
  return live;
}

const seqs = (events: JournalEventEnvelope[]) => events.map((e) => e.seq);

describe('the approvals topic', () => {
  it("sends an agent ask of a person's chat whole to its person, an admin and its approver while pending; to anyone else only its seq", async () => {
    const alice = addPersonWithToken(s, 'operator'); // the chat's person
    const bob = addPersonWithToken(s, 'approver'); // named by the step's rule: may decide the ask
    const dave = addPersonWithToken(s, 'approver'); // may approve, not named by the rule
    const carol = addPersonWithToken(s, 'viewer'); // read only
    const admin = addPersonWithToken(s, 'admin');
    const people: Record<string, Person> = { alice, bob, dave, carol, admin };

    const definition = { name: 'Asks', steps: [{ id: 'fix', type: 'agent_prompt', prompt: 'Fix it', approvers: { users: [bob.id] } }] };
    const wf = await s.request('POST', '/api/workflows', { body: { definition } });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const chat = (await s.request('POST', '/api/sessions', { token: alice.token, body: { title: 'private' } })).body;
    const after = s.app.journal.lastSeq(APPROVALS_TOPIC);
    const sockets = await followEach(s, people, [APPROVALS_TOPIC]);

    const started = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { token: alice.token, body: { sessionId: chat.id } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const executionId: string = started.body.executionId;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const secret = 'cat ~/.ssh/id_ed25519 # alice-only';
    const ask = await s.request('POST', '/api/tools/ask', {
      token: s.runnerToken,
      body: {
        key: 'fix||toolu_1',
        kind: 'tool',
        tool: { name: 'workspace:bash', arguments: { command: secret } },
        preview: { command: secret },
        waitMs: 0,
        context: { executionId, stepId: 'fix', iterationPath: '', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
      },
    });
    expect(ask.status, JSON.stringify(ask.body)).toBe(200);
    const approvalId: string = ask.body.approvalId;
    const requestedSeq = s.app.journal.lastSeq(APPROVALS_TOPIC);

    // Pending: REST and the topic agree on who reads it.
    const readsPending = { alice: true, bob: true, dave: false, carol: false, admin: true };
    for (const [name, p] of Object.entries(people)) {
      const one = await s.request('GET', `/api/approvals/${approvalId}`, { token: p.token });
      expect(one.status, name).toBe(readsPending[name as keyof typeof readsPending] ? 200 : 404);
      const events = await received(sockets[name]!, p.token, APPROVALS_TOPIC, after);
      expect(seqs(events), name).toEqual([requestedSeq]);
      const [requested] = events;
      if (!readsPending[name as keyof typeof readsPending]) {
        expect(requested, name).toMatchObject({ type: 'approval.requested', seq: requestedSeq, data: {} });
        expect(Object.keys(requested!.data as object), name).toEqual([]);
        continue;
      }
      expect(requested!.data, name).toMatchObject({
        id: approvalId,
        kind: 'tool',
        status: 'pending',
        tool: { name: 'workspace:bash', arguments: { command: secret } },
        // The chat itself stays its readers' (sessions/chat-visibility.ts).
        sessionId: name === 'bob' ? null : chat.id,
      });
    }
    for (const name of ['dave', 'carol']) expect(JSON.stringify(sockets[name]!.frames), name).not.toContain('alice-only');

    // Decided by Bob: a decided ask is its chat's again, for REST and the topic.
    const decided = await s.request('POST', `/api/approvals/${approvalId}/decision`, { token: bob.token, body: { decision: 'approve' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const decidedSeq = s.app.journal.lastSeq(APPROVALS_TOPIC);
    const readsDecided = { alice: true, bob: false, dave: false, carol: false, admin: true };
    for (const [name, p] of Object.entries(people)) {
      const reads = readsDecided[name as keyof typeof readsDecided];
      expect((await s.request('GET', `/api/approvals/${approvalId}`, { token: p.token })).status, name).toBe(reads ? 200 : 404);
      const listed = (await s.request('GET', '/api/approvals?status=decided', { token: p.token })).body.approvals.some((a: any) => a.id === approvalId);
      expect(listed, name).toBe(reads);
      const events = await received(sockets[name]!, p.token, APPROVALS_TOPIC, after);
      // The same seqs for everyone: replay and gap detection stay exact.
      expect(seqs(events), name).toEqual([requestedSeq, decidedSeq]);
      expect(events[1]!.type, name).toBe('approval.decided');
      if (reads) expect(events[1]!.data, name).toMatchObject({ id: approvalId, status: 'approved', sessionId: chat.id });
      else expect(events[1]!.data, name).toEqual({});
    }

    // A socket that subscribes afresh replays the same views.
    const late = await connectLive(s.url, { token: carol.token });
    late.send({ type: 'subscribe', id: 'late', topic: APPROVALS_TOPIC, after });
    const replayed = await received(late, carol.token, APPROVALS_TOPIC, after);
    expect(replayed.map((e) => [e.seq, e.data])).toEqual([
      [requestedSeq, {}],
      [decidedSeq, {}],
    ]);
    late.close();
    for (const c of Object.values(sockets)) c.close();
    await s.request('POST', `/api/executions/${executionId}/cancel`, { token: alice.token });
  });

  it("sends the assistant's held call in a chat whole only to its person and an admin; one without a chat to everyone", async () => {
    const alice = addPersonWithToken(s, 'approver'); // decides the calls made in her chat
    const bob = addPersonWithToken(s, 'approver'); // may approve, but not in Alice's chat
    const carol = addPersonWithToken(s, 'viewer');
    const admin = addPersonWithToken(s, 'admin');
    const people: Record<string, Person> = { alice, bob, carol, admin };
    const reads = (name: string) => name === 'alice' || name === 'admin';
    const chat = (await s.request('POST', '/api/sessions', { token: alice.token, body: { title: 'held' } })).body;
    const after = s.app.journal.lastSeq(APPROVALS_TOPIC);
    const sockets = await followEach(s, people, [APPROVALS_TOPIC]);

    // What the tool registry asks for a destructive call the assistant makes in Alice's chat, and one a workflow makes.
    const held = s.app.toolApprovals.request({
      sessionId: chat.id,
      tool: 'workflows:delete_workflow',
      args: { id: 'wf_private' },
      message: 'Delete wf_private?',
    });
    const unbound = s.app.toolApprovals.request({ tool: 'workflows:save_workflow', args: { name: 'shared' }, message: 'Save it?' });
    const decided = await s.request('POST', `/api/approvals/${held.approvalId}/decision`, { token: alice.token, body: { decision: 'deny' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(await held.decided).toMatchObject({ approved: false });
    const everyone = await s.request('POST', `/api/approvals/${unbound.approvalId}/decision`, { token: bob.token, body: { decision: 'approve' } });
    expect(everyone.status, JSON.stringify(everyone.body)).toBe(200);

    const all = s.app.journal.read(APPROVALS_TOPIC, after, 100);
    expect(all.map((e) => [e.type, (e.data as { id: string }).id])).toEqual([
      ['approval.requested', held.approvalId],
      ['approval.requested', unbound.approvalId],
      ['approval.decided', held.approvalId],
      ['approval.decided', unbound.approvalId],
    ]);
    for (const [name, p] of Object.entries(people)) {
      const events = await received(sockets[name]!, p.token, APPROVALS_TOPIC, after);
      expect(seqs(events), name).toEqual(seqs(all));
      for (const [i, e] of events.entries()) {
        const id = (all[i]!.data as { id: string }).id;
        if (id === held.approvalId && !reads(name)) expect(e.data, name).toEqual({});
        else expect(e.data, name).toMatchObject({ id, kind: 'tool', sessionId: id === held.approvalId ? chat.id : null });
      }
      expect((await s.request('GET', `/api/approvals/${held.approvalId}`, { token: p.token })).status, name).toBe(reads(name) ? 200 : 404);
      expect((await s.request('GET', `/api/approvals/${unbound.approvalId}`, { token: p.token })).status, name).toBe(200);
    }
    for (const c of Object.values(sockets)) c.close();
  });
});

describe('session.deleted', () => {
  it('names its person, and reaches anyone who may not read the chat as its seq alone', async () => {
    const alice = addPersonWithToken(s, 'operator');
    const bob = addPersonWithToken(s, 'approver');
    const admin = addPersonWithToken(s, 'admin');
    const people: Record<string, Person> = { alice, bob, admin };
    const chat = (await s.request('POST', '/api/sessions', { token: alice.token, body: { title: 'to go' } })).body;
    const after = s.app.journal.lastSeq(SESSIONS_TOPIC);
    const sockets = await followEach(s, people, [SESSIONS_TOPIC]);
    expect((await s.request('DELETE', `/api/sessions/${chat.id}`, { token: alice.token })).status).toBe(204);
    const deletedSeq = s.app.journal.lastSeq(SESSIONS_TOPIC);
    for (const [name, p] of Object.entries(people)) {
      const events = await received(sockets[name]!, p.token, SESSIONS_TOPIC, after);
      expect(
        events.map((e) => [e.seq, e.type]),
        name,
      ).toEqual([[deletedSeq, 'session.deleted']]);
      expect(events[0]!.data, name).toEqual(name === 'bob' ? {} : { id: chat.id, ownerId: alice.id });
    }
    for (const c of Object.values(sockets)) c.close();
  });

  it('without ownerId (written before it was recorded) is the owner’s, as a chat without a person is', () => {
    const person = (id: string, scopes: UserPrincipal['scopes']) => principalAs(id, 'operator', scopes);
    const chats = createChatVisibility({ ownerOf: () => null });
    const tools = { mayRead: () => true };
    const old = { topic: SESSIONS_TOPIC, seq: 7, type: 'session.deleted', data: { id: 'ses_old' }, at: '' } as JournalEventEnvelope;
    const view = (p: UserPrincipal) => eventViewFor(p, chats.viewer(p), tools)(old);
    expect(view(person('owner', ['read', 'run']))).toBe(old);
    expect(view(person('usr_admin', ['read', 'admin']))).toBe(old);
    expect(view(person('usr_bob', ['read']))).toEqual({ ...old, data: {} });
  });
});

describe("one viewer's view of tool approvals", () => {
  const bob = principalAs('usr_bob', 'viewer', ['read']);
  const event = (topic: string, seq: number, data: unknown) => ({ topic, seq, type: 'approval.requested', data, at: '' }) as JournalEventEnvelope;

  it("judges only a tool approval naming a chat, on the approvals topic and on its run's topic alike; one hidden form for every viewer", () => {
    const judged: unknown[] = [];
    const tools = {
      mayRead: (a: unknown) => {
        judged.push(a);
        return false;
      },
    };
    const chats = createChatVisibility({ ownerOf: () => 'usr_alice' });
    const forBob = eventViewFor(bob, chats.viewer(bob), tools);
    const carol = { ...bob, id: 'usr_carol' };
    const forCarol = eventViewFor(carol, chats.viewer(carol), tools);
    const step = event(APPROVALS_TOPIC, 1, { id: 'apr_1', kind: 'step', sessionId: null });
    const unbound = event(APPROVALS_TOPIC, 2, { id: 'tap_1', kind: 'tool', sessionId: null });
    const runUpdate = event('execution:ex_1', 3, { id: 'ex_1', sessionId: 'ses_a' });
    expect(forBob(step)).toBe(step);
    expect(forBob(unbound)).toBe(unbound);
    expect(forBob(runUpdate)).toEqual({ ...runUpdate, data: { ...(runUpdate.data as object), sessionId: null } }); // its chat alone is hidden
    expect(judged).toEqual([]);
    // A held call on its run's topic shows what the approvals topic would hide: the same rule there.
    const onRun = event('execution:ex_1', 4, { id: 'tap_2', kind: 'tool', sessionId: 'ses_a', tool: { name: 'x', arguments: { to: 'ceo@example.com' } } });
    expect(forBob(onRun)).toEqual({ ...onRun, data: {} });
    judged.length = 0;

    const asked = event(APPROVALS_TOPIC, 5, { id: 'tap_2', kind: 'tool', sessionId: 'ses_a', tool: { name: 'x', arguments: { secret: 1 } } });
    const hidden = forBob(asked);
    expect(hidden).toEqual({ ...asked, data: {} });
    expect(forCarol(asked)).toBe(hidden); // built once: the live socket encodes its frame once
    expect(judged).toHaveLength(2);
    expect((asked.data as { tool: unknown }).tool).toEqual({ name: 'x', arguments: { secret: 1 } }); // the shared event is untouched
  });

  it("remembers at most REMEMBERED_CHATS chats' people per viewer, and never whether they may decide an ask", () => {
    let owners = 0;
    let refusals = 0;
    const readers = createToolReaders({
      chats: {
        ownerOf: () => {
          owners++;
          return 'usr_alice';
        },
      },
      agentAsks: {
        viewerRefusals: () => () => {
          refusals++;
          return null;
        },
      },
      viewerOf: (p) => ({ id: p.id, name: p.name, email: null, role: p.role, scopes: p.scopes }),
    });
    const viewer = readers.viewer(bob);
    const ask = (i: number) => ({
      id: `tap_${i}`,
      sessionId: `ses_${i}`,
      executionId: 'ex_1',
      ask: 'tool' as const,
      status: 'pending' as const,
      approvers: { users: ['usr_bob'] },
    });
    for (let i = 0; i <= REMEMBERED_CHATS; i++) expect(viewer.mayRead(ask(i))).toBe(true);
    expect(owners).toBe(REMEMBERED_CHATS + 1);
    expect(refusals).toBe(REMEMBERED_CHATS + 1);
    viewer.mayRead(ask(REMEMBERED_CHATS)); // its chat's person remembered, the refusal asked again
    expect([owners, refusals]).toEqual([REMEMBERED_CHATS + 1, REMEMBERED_CHATS + 2]);
    viewer.mayRead(ask(0)); // the oldest chat was forgotten
    expect(owners).toBe(REMEMBERED_CHATS + 2);
    // Decided, the ask is its chat's again; and anyone not a person reads only calls without a chat.
    expect(viewer.mayRead({ ...ask(1), status: 'approved' })).toBe(false);
    expect(readers.viewer(null).mayRead(ask(1))).toBe(false);
    expect(readers.viewer(null).mayRead({ ...ask(1), sessionId: null })).toBe(true);
  });
});
