import { APPROVALS_TOPIC, EXECUTIONS_TOPIC, executionTopic, WORKFLOWS_TOPIC } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { followEach, waitUntil } from './helpers/live-client';
import { addPersonWithToken, principalAs } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';
import { eventViewFor } from '../src/journal/topics';
import { createChatVisibility, REMEMBERED_CHATS } from '../src/sessions/chat-visibility';

/**
 * A run, a fix, a proposal or a tool approval names the chat it came from (`sessionId`) only to
 * who may read that chat: its person and an admin. Anyone else holding `read` sees `sessionId: null`,
 * over REST, /api/events and the live socket, and so does not learn that the chat exists.
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

describe('a run started from a chat', () => {
  it('names its chat to the chat person and an admin, and sessionId null to anyone else: REST, tools, events, live socket', async () => {
    const alice = addPersonWithToken(s, 'operator'); // the chat's person
    const bob = addPersonWithToken(s, 'approver'); // read + approve, not admin
    const dora = addPersonWithToken(s, 'operator'); // read + run, not admin
    const admin = addPersonWithToken(s, 'admin');
    const people: Record<string, Person> = { alice, bob, dora, admin };
    const sees = (name: string) => name === 'alice' || name === 'admin';

    const definition = {
      name: 'Visible',
      steps: [
        { id: 'fix', type: 'agent_prompt', prompt: 'Fix the failing test', approvers: { users: [bob.id] } },
        { id: 'after', type: 'bash', command: 'echo done' },
      ],
    };
    const wf = await s.request('POST', '/api/workflows', { body: { definition } });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const chat = (await s.request('POST', '/api/sessions', { token: alice.token, body: { title: 'private' } })).body;

    // Everyone follows the runs list before the run starts; its execution topic once it exists.
    const sockets = await followEach(s, people, [EXECUTIONS_TOPIC, APPROVALS_TOPIC, WORKFLOWS_TOPIC]);

    const started = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { token: alice.token, body: { sessionId: chat.id } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const executionId: string = started.body.executionId;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    for (const c of Object.values(sockets)) c.send({ type: 'subscribe', id: 'run', topic: executionTopic(executionId), after: 0 });

    const expected = (name: string) => (sees(name) ? chat.id : null);
    const get = (path: string, name: string) => s.request('GET', path, { token: people[name]!.token });

    // REST: the list and the run itself.
    for (const name of Object.keys(people)) {
      const listed = (await get(`/api/executions?workflowId=${wf.body.id}`, name)).body.executions;
      expect(
        listed.map((e: any) => [e.id, e.sessionId]),
        name,
      ).toEqual([[executionId, expected(name)]]);
      const one = await get(`/api/executions/${executionId}`, name);
      expect(one.status).toBe(200);
      expect(one.body.sessionId, name).toBe(expected(name));
      // The rest of the run is everyone's with `read`.
      expect(one.body).toMatchObject({ id: executionId, workflowId: wf.body.id, startedBy: { kind: 'user', id: alice.id } });
    }
    // Asking by the chat is the chat's: 404 for others, as the chat itself.
    for (const path of [`/api/executions?sessionId=${chat.id}`, `/api/approvals?sessionId=${chat.id}`]) {
      expect((await get(path, 'bob')).status, path).toBe(404);
      expect((await get(path, 'admin')).status, path).toBe(200);
    }
    expect((await get(`/api/approvals?sessionId=ses_missing`, 'alice')).status).toBe(404);

    // Live: every `execution.updated` on both topics, as each person's socket received it.
    for (const [name, c] of Object.entries(sockets)) {
      for (const topic of [EXECUTIONS_TOPIC, executionTopic(executionId)]) {
        await c.waitFor((f) => f.type === 'event' && f.event.topic === topic && f.event.type === 'execution.updated' && f.event.data.id === executionId);
        const seen = c.frames.filter((f) => f.type === 'event' && f.event.topic === topic && f.event.data?.id === executionId);
        expect(seen.length, `${name} ${topic}`).toBeGreaterThan(0);
        for (const f of seen) expect(f.event.data.sessionId, `${name} ${topic}`).toBe(expected(name));
        // Only the chat id changes: the rest of the event is the same for everyone.
        expect(seen.at(-1).event.data).toMatchObject({ workflowId: wf.body.id, startedBy: { kind: 'user', id: alice.id } });
      }
    }
    // The journal over HTTP answers the same.
    for (const name of Object.keys(people)) {
      for (const topic of [EXECUTIONS_TOPIC, executionTopic(executionId)]) {
        const events = (await get(`/api/events?topic=${topic}&after=0&limit=1000`, name)).body.events;
        const mine = events.filter((e: any) => e.type === 'execution.updated' && e.data.id === executionId);
        expect(mine.length).toBeGreaterThan(0);
        for (const e of mine) expect(e.data.sessionId, `${name} ${topic}`).toBe(expected(name));
      }
    }

    // The same run through the tools API (calling one needs `run`), for the person calling.
    for (const name of ['dora', 'alice']) {
      const call = await s.request('POST', '/api/tools/call', {
        token: people[name]!.token,
        body: { name: 'workflows:get_execution', arguments: { id: executionId } },
      });
      expect(call.status, JSON.stringify(call.body)).toBe(200);
      expect(call.body.result.sessionId, name).toBe(expected(name));
    }

    // An agent's ask of the run: Bob may decide it (the step's rule names him), its chat stays Alice's.
    /** The runner asks, for the agent step, whether it may run `command`. */
    const askToRun = (key: string, command: string) =>
      s.request('POST', '/api/tools/ask', {
        token: s.runnerToken,
        body: {
          key,
          kind: 'tool',
          tool: { name: 'workspace:bash', arguments: { command } },
          preview: { command },
          waitMs: 0,
          context: { executionId, stepId: 'fix', iterationPath: '', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
        },
      });
    const ask = await askToRun('fix||toolu_1', 'npm test');
    expect(ask.status, JSON.stringify(ask.body)).toBe(200);
    const approvalId: string = ask.body.approvalId;
    for (const name of ['alice', 'bob', 'admin']) {
      const one = await get(`/api/approvals/${approvalId}`, name);
      expect(one.status, name).toBe(200);
      expect(one.body.sessionId, name).toBe(expected(name));
      const listed = (await get('/api/approvals?status=pending', name)).body.approvals.find((a: any) => a.id === approvalId);
      expect(listed.sessionId, name).toBe(expected(name));
    }
    expect((await get(`/api/approvals/${approvalId}`, 'bob')).body.mayDecide).toBe(true);
    {
      // Decided the other way between the route's look and the decision (another server, on
      // PostgreSQL): the 409 carries the ask, and its chat stays hidden there too.
      const decide = s.app.agentAsks.decide;
      s.app.agentAsks.decide = (args) => {
        s.app.agentAsks.decide = decide;
        decide({ ...args, decision: 'deny' });
        return decide(args);
      };
      const ask2 = await askToRun('fix||toolu_2', 'npm run lint');
      const raced = await s.request('POST', `/api/approvals/${ask2.body.approvalId}/decision`, { token: bob.token, body: { decision: 'approve' } });
      expect(raced.status, JSON.stringify(raced.body)).toBe(409);
      expect(raced.body.error.code).toBe('already_decided');
      expect(raced.body.error.details.approval).toMatchObject({ id: ask2.body.approvalId, status: 'denied', sessionId: null });
    }
    const decided = await s.request('POST', `/api/approvals/${approvalId}/decision`, { token: bob.token, body: { decision: 'approve' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body).toMatchObject({ id: approvalId, status: 'approved', sessionId: null });
    // The decision's event reaches everyone (carrying nothing for who may no longer read the ask:
    // tool-approval-visibility.test.ts); whoever sees the ask sees its chat only if they may read it.
    const decidedSeq = s.app.journal.lastSeq(APPROVALS_TOPIC);
    for (const [name, c] of Object.entries(sockets)) {
      await c.waitFor((f) => f.type === 'event' && f.event.topic === APPROVALS_TOPIC && f.event.seq === decidedSeq);
      const seen = c.frames.filter((f) => f.type === 'event' && f.event.topic === APPROVALS_TOPIC && f.event.data?.id === approvalId);
      for (const f of seen) expect(f.event.data.sessionId, name).toBe(expected(name));
    }

    // Canceled by someone who may not read the chat: the answer does not name it either.
    const canceled = await s.request('POST', `/api/executions/${executionId}/cancel`, { token: dora.token });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect(canceled.body).toMatchObject({ id: executionId, status: 'canceled', sessionId: null });

    // A fix asked for in the chat.
    const asked = await s.request('POST', `/api/executions/${executionId}/fixes`, { token: alice.token, body: { sessionId: chat.id } });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    let fixId = '';
    await waitUntil(
      async () => {
        fixId = (await get(`/api/executions/${executionId}/fixes`, 'alice')).body.fixes[0]?.id ?? '';
        return fixId !== '';
      },
      30_000,
      'the fix',
    );
    for (const name of Object.keys(people)) {
      expect(
        (await get(`/api/executions/${executionId}/fixes`, name)).body.fixes.map((f: any) => f.sessionId),
        name,
      ).toEqual([expected(name)]);
      expect((await get(`/api/fixes/${fixId}`, name)).body.sessionId, name).toBe(expected(name));
    }
    const rerun = await s.request('POST', `/api/fixes/${fixId}/rerun`, { token: dora.token, body: {} });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    expect(rerun.body.fix).toMatchObject({ id: fixId, sessionId: null });
    for (const [name, c] of Object.entries(sockets)) {
      await c.waitFor((f) => f.type === 'event' && f.event.topic === WORKFLOWS_TOPIC && f.event.type === 'fix.updated' && f.event.data.rerun !== null);
      const seen = c.frames.filter((f) => f.type === 'event' && f.event.topic === WORKFLOWS_TOPIC && f.event.data?.id === fixId);
      expect(seen.length).toBeGreaterThan(1);
      for (const f of seen) expect(f.event.data.sessionId, name).toBe(expected(name));
    }
    // The re-run Dora started does not post into Alice's chat.
    expect((await get(`/api/executions/${rerun.body.executionId}`, 'alice')).body.sessionId).toBeNull();
    await s.request('POST', `/api/executions/${rerun.body.executionId}/cancel`, { token: dora.token });

    // A proposal made in the chat (as the assistant's propose-only save makes one).
    const proposal = s.app.proposals.propose({
      workflowId: wf.body.id,
      definition: { ...definition, name: 'Visible 2' },
      proposedBy: 'assistant',
      sessionId: chat.id,
    });
    for (const name of Object.keys(people)) {
      const listed = (await get(`/api/workflows/${wf.body.id}/proposals`, name)).body.proposals;
      expect(
        listed.map((p: any) => [p.id, p.sessionId]),
        name,
      ).toEqual([[proposal.id, expected(name)]]);
      await sockets[name]!.waitFor((f) => f.type === 'event' && f.event.type === 'proposal.updated' && f.event.data.id === proposal.id);
      const seen = sockets[name]!.frames.filter((f) => f.type === 'event' && f.event.type === 'proposal.updated' && f.event.data.id === proposal.id);
      for (const f of seen) expect(f.event.data.sessionId, name).toBe(expected(name));
    }

    for (const c of Object.values(sockets)) c.close();
  });

  it('a chat deleted since is named to nobody, not even its person', async () => {
    const alice = addPersonWithToken(s, 'operator');
    const wf = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'Gone chat', steps: [{ id: 'gate', type: 'approval', message: 'Go?' }] } },
    });
    const chat = (await s.request('POST', '/api/sessions', { token: alice.token, body: {} })).body;
    const run = (await s.request('POST', `/api/workflows/${wf.body.id}/run`, { token: alice.token, body: { sessionId: chat.id } })).body;
    expect((await s.request('POST', `/api/executions/${run.executionId}/cancel`, { token: alice.token })).body.sessionId).toBe(chat.id);
    const definition = { name: 'Gone chat 2', steps: [{ id: 'gate', type: 'approval', message: 'Go now?' }] };
    const proposal = s.app.proposals.propose({ workflowId: wf.body.id, definition, proposedBy: 'assistant', sessionId: chat.id });
    const proposals = () => s.request('GET', `/api/workflows/${wf.body.id}/proposals`, { token: alice.token });
    expect((await proposals()).body.proposals[0]).toMatchObject({ id: proposal.id, sessionId: chat.id });
    const deleted = await s.request('DELETE', `/api/sessions/${chat.id}`, { token: alice.token });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    // The run was detached with the chat; the proposal still holds the id of a chat that is gone.
    expect((await s.request('GET', `/api/executions/${run.executionId}`, { token: alice.token })).body.sessionId).toBeNull();
    expect((await proposals()).body.proposals[0]).toMatchObject({ id: proposal.id, sessionId: null });
  });
});

describe("one viewer's view of events", () => {
  it('sends an event naming no chat as it is, without asking; one hidden form for every viewer who may not see the chat', async () => {
    const chat = s.app.sessions.createSession({ title: 'mine', ownerId: 'usr_alice' });
    const asked: string[] = [];
    const counting = createChatVisibility({
      ownerOf: (id) => {
        asked.push(id);
        return s.app.sessions.getSession(id).ownerId ?? null;
      },
    });
    const bob = principalAs('usr_bob', 'approver', ['read', 'approve']);
    const carol = principalAs('usr_carol', 'viewer', ['read']);
    const alice = principalAs('usr_alice', 'operator', ['read', 'run']);
    const readsEveryTool = { mayRead: () => true };
    const [forBob, forCarol, forAlice] = [bob, carol, alice].map((p) => eventViewFor(p, counting.viewer(p), readsEveryTool));
    const plain = { topic: 'executions', seq: 1, type: 'step.updated', data: { executionId: 'ex_1', stepId: 'a' }, createdAt: '' } as never;
    expect(forBob!(plain)).toBe(plain);
    expect(asked).toEqual([]);

    const named = {
      topic: 'executions',
      seq: 2,
      type: 'execution.updated',
      data: { id: 'ex_1', sessionId: chat.id, status: 'running' },
      createdAt: '',
    } as never;
    const hidden = forBob!(named);
    expect(hidden).toEqual({ ...(named as object), data: { id: 'ex_1', sessionId: null, status: 'running' } });
    expect(forCarol!(named)).toBe(hidden); // built once, so the socket's frame cache encodes it once
    expect(forAlice!(named)).toBe(named);
    expect((named as { data: { sessionId: string } }).data.sessionId).toBe(chat.id); // the shared event is untouched
    // Asked once per viewer and chat, then remembered.
    forBob!(named);
    expect(asked).toEqual([chat.id, chat.id, chat.id]);
  });

  it('remembers at most REMEMBERED_CHATS answers per viewer', () => {
    let asked = 0;
    const viewer = createChatVisibility({
      ownerOf: () => {
        asked++;
        return 'usr_someone';
      },
    }).viewer(principalAs('usr_bob', 'viewer', ['read']));
    for (let i = 0; i <= REMEMBERED_CHATS; i++) expect(viewer.mayShow(`ses_${i}`)).toBe(false);
    expect(asked).toBe(REMEMBERED_CHATS + 1);
    viewer.mayShow(`ses_${REMEMBERED_CHATS}`); // still remembered
    expect(asked).toBe(REMEMBERED_CHATS + 1);
    viewer.mayShow('ses_0'); // the oldest was forgotten: asked again
    expect(asked).toBe(REMEMBERED_CHATS + 2);
  });
});
