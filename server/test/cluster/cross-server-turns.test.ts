import { messageText, type Message } from '@weft/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_GONE_AFTER_MS } from '../../src/cluster/server-liveness';
import { type FakeAnthropic, startFakeAnthropic, textTurn } from '../helpers/fake-anthropic';
import { connectFakeRunner, type FakeRunner } from '../helpers/fake-runner';
import { waitUntil } from '../helpers/live-client';
import { startServer, type TestServer } from '../helpers/server';
import { usePostgres, namedConnection } from '../support/use-postgres';

/**
 * Turns that stream in one server's memory, on two servers in this process on one PostgreSQL
 * database (as cluster-servers.test.ts): the assistant's reply to a chat, stopped through the other
 * server; and an agent step's turn, whose runner fails over from A to B (and back) mid-turn.
 */

const postgres = usePostgres();
let fake: FakeAnthropic;
let a: TestServer;
let b: TestServer;
const runners: FakeRunner[] = [];

beforeAll(async () => {
  const url = await postgres.server().createDatabase();
  fake = await startFakeAnthropic();
  const model = { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url };
  a = await startServer({ env: { ...model, WEFT_DATABASE_URL: namedConnection(url, 'weft-a') }, config: { engineTickMs: 60_000, leaseMs: 600_000 } });
  b = await startServer({ env: { ...model, WEFT_DATABASE_URL: namedConnection(url, 'weft-b') }, config: { engineTickMs: 60_000, leaseMs: 600_000 } });
  for (const s of [a, b]) await waitUntil(() => s.app.cluster.listener?.listening === true, 10_000, 'LISTEN');
}, 60_000);
afterAll(async () => {
  for (const r of runners) r.close();
  await b?.close();
  await a?.close();
  await fake?.close();
});

async function runner(on: TestServer, runnerId: string): Promise<FakeRunner> {
  const r = await connectFakeRunner(on.url, on.runnerToken, { runnerId, capacity: 5 });
  runners.push(r);
  return r;
}

describe("the assistant's reply, stopped through another server", () => {
  it('a chat deleted on B stops the reply A is writing, and the delete answers 204', async () => {
    const chat = await a.request('POST', '/api/sessions', { body: {} });
    const id = chat.body.id as string;
    const topic = `session:${id}`;
    fake.setScript(() => ({ kind: 'stream', events: textTurn('a long answer that is never finished', { chunks: 8 }), hangAfter: 4 }));
    const posted = await a.request('POST', `/api/sessions/${id}/messages`, { body: { content: 'tell me a long story' } });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const replyId = posted.body.assistantMessageId as string;
    // Its first words are stored: the reply is being written on A (and hangs there).
    await waitUntil(() => a.app.journal.read(topic, 0, 1000).some((e) => e.type === 'message.delta'), 10_000, 'the reply streaming on A');

    const deleted = await b.request('DELETE', `/api/sessions/${id}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    const events = b.app.journal.read(topic, 0, 1000);
    expect(events.filter((e) => e.type === 'message.completed').map((e) => e.data)).toEqual([
      expect.objectContaining({ messageId: replyId, status: 'canceled' }),
    ]);
    expect(b.app.journal.read('sessions', 0, 10_000).filter((e) => e.type === 'session.deleted' && (e.data as { id: string }).id === id)).toHaveLength(1);
    expect((await a.request('GET', `/api/sessions/${id}`)).status).toBe(404);
  });

  it('a reply whose server does not answer the stop keeps the delete refused (409 session_busy) until that server is seen gone; then it is interrupted and the delete answers 204', async () => {
    const chat = await b.request('POST', '/api/sessions', { body: {} });
    const id = chat.body.id as string;
    // Written, as its row says, by a server on another machine that is still seen but does not answer.
    const seen = Date.now();
    b.app.db.prepare("INSERT INTO servers (id, host, pid, started_at, seen_at) VALUES ('srv_mute', 'elsewhere', 1, '2026-01-01T00:00:00.000Z', ?)").run(seen);
    const orphan = b.app.sessions.createMessage({ sessionId: id, role: 'assistant', streamedBy: 'srv_mute' });
    const refused = await b.request('DELETE', `/api/sessions/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'session_busy', message: expect.stringContaining('still being written') });
    expect(b.app.sessions.getMessage(orphan.id).status).toBe('streaming');
    // Not seen any more: gone. The next look finishes its reply, and the chat can go.
    b.app.db.prepare("UPDATE servers SET seen_at = ? WHERE id = 'srv_mute'").run(seen - SERVER_GONE_AFTER_MS - 1_000);
    b.app.cluster.checkGoneServers();
    expect(b.app.sessions.getMessage(orphan.id)).toMatchObject({ status: 'canceled', parts: [{ type: 'finish', reason: 'interrupted' }] });
    expect((await b.request('DELETE', `/api/sessions/${id}`)).status).toBe(204);
  });
});

describe('an agent turn whose runner fails over between servers mid-turn', () => {
  // A runner left connected with free slots would take the next test's run on whichever server
  // dispatches first, and that test's runner would never see its lease.
  afterEach(async () => {
    for (const r of runners.splice(0)) r.close();
    await waitUntil(() => a.app.engine.dispatcher.healthyRunners() === 0 && b.app.engine.dispatcher.healthyRunners() === 0, 10_000, 'the runners gone');
  });

  async function agentRun(on: TestServer, r: FakeRunner, name: string) {
    const workflow = await on.request('POST', '/api/workflows', {
      body: { definition: { name, steps: [{ id: 'fix', type: 'agent_prompt', prompt: 'Fix the failing test' }] } },
    });
    expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
    const run = await on.request('POST', `/api/workflows/${workflow.body.id}/run`, { body: {} });
    const executionId = run.body.executionId as string;
    await waitUntil(() => r.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    return r.grants.find((g) => g.executionId === executionId)!;
  }
  const at = (seq: number, event: Record<string, unknown>) => ({ seq, stepId: 'fix', iterationPath: '', attempt: 1, ...event });
  const created = (seq: number) =>
    at(seq, { type: 'message', message: { op: 'create', key: 'fix|turn', role: 'assistant', parts: [{ type: 'text', text: '' }] } });
  const words = (seq: number, deltaSeq: number, text: string) =>
    at(seq, { type: 'message', message: { op: 'delta', key: 'fix|turn', deltaSeq, partIndex: 0, delta: { kind: 'append_text', text } } });
  const stored = (s: TestServer, executionId: string) => {
    const row = s.app.db
      .prepare<[string], { message_id: string }>("SELECT message_id FROM message_keys WHERE execution_id = ? AND key = 'fix|turn'")
      .get(executionId);
    return row ? (s.app.sessions.getMessage(row.message_id) as Message) : null;
  };

  it("A lets go of the turn when the runner's socket closes, and a cancel on A keeps what the runner streamed through B", async () => {
    const onA = await runner(a, 'failing-over');
    const grant = await agentRun(a, onA, 'Fails over');
    expect(await onA.events(grant, [at(1, { type: 'step.started' }), created(2), words(3, 1, 'Started on A. ')])).toMatchObject({ type: 'ack' });
    await waitUntil(() => stored(a, grant.executionId)?.deltaSeq === 1, 10_000, 'the first words stored');
    const messageId = stored(a, grant.executionId)!.id;
    expect(a.app.sessions.held()).toContain(messageId);

    onA.close();
    await waitUntil(() => !a.app.sessions.held().includes(messageId), 10_000, 'A letting go of the turn');
    const onB = await runner(b, 'failing-over');
    expect(await onB.events(grant, [words(4, 2, 'Went on through B. '), words(5, 3, 'Still on B.')])).toMatchObject({ type: 'ack' });
    await waitUntil(() => stored(b, grant.executionId)?.deltaSeq === 3, 10_000, "B's words stored");

    const canceled = await a.request('POST', `/api/executions/${grant.executionId}/cancel`, { body: {} });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    const final = stored(b, grant.executionId)!;
    expect(final.status).toBe('canceled');
    expect(messageText(final)).toBe('Started on A. Went on through B. Still on B.');
  });

  it('A, not yet aware the runner left, reads the turn again when it comes back, and does not write its stale copy over it', async () => {
    const onA = await runner(a, 'half-gone');
    const grant = await agentRun(a, onA, 'Comes back');
    expect(await onA.events(grant, [at(1, { type: 'step.started' }), created(2), words(3, 1, 'One on A. ')])).toMatchObject({ type: 'ack' });
    await waitUntil(() => stored(a, grant.executionId)?.deltaSeq === 1, 10_000, 'the first words stored');
    const messageId = stored(a, grant.executionId)!.id;

    // A still holds the runner's old socket (a half-open connection, say) while it streams through B.
    const onB = await runner(b, 'half-gone');
    expect(await onB.events(grant, [words(4, 2, 'Two on B. '), words(5, 3, 'Three on B. ')])).toMatchObject({ type: 'ack' });
    await waitUntil(() => stored(b, grant.executionId)?.deltaSeq === 3, 10_000, "B's words stored");
    expect(a.app.sessions.held()).toContain(messageId);

    // Back on A: its next words follow B's, not what A held.
    expect(await onA.events(grant, [words(6, 4, 'Four on A.')])).toMatchObject({ type: 'ack' });
    await waitUntil(() => stored(a, grant.executionId)?.deltaSeq === 4, 10_000, 'the words after the way back stored');
    const canceled = await a.request('POST', `/api/executions/${grant.executionId}/cancel`, { body: {} });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    const final = stored(b, grant.executionId)!;
    expect(final.status).toBe('canceled');
    expect(messageText(final)).toBe('One on A. Two on B. Three on B. Four on A.');
    // Every word went out once, in order, on the session's topic (a server's deltas of one flush merged).
    const deltas = a.app.journal
      .read(`session:${final.sessionId}`, 0, 1000)
      .filter((e) => e.type === 'message.delta')
      .map((e) => e.data as { deltaSeq: number; op: { text: string } });
    expect(deltas.map((d) => d.op.text).join('')).toBe(messageText(final));
    expect(deltas.at(-1)?.deltaSeq).toBe(4);
  });
});
