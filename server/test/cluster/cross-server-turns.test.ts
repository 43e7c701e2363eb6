import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic, textTurn } from '../helpers/fake-anthropic';
import { waitUntil } from '../helpers/live-client';
import { startServer, type TestServer } from '../helpers/server';
import { usePostgres } from '../support/use-postgres';

/**
 * Turns that stream in one server's memory, on two servers in this process on one PostgreSQL
 * database (as cluster-servers.test.ts): the assistant's reply to a chat, stopped through the other
 * server; and an agent step's turn, whose runner fails over from A to B (and back) mid-turn.
 */

const postgres = usePostgres();
let fake: FakeAnthropic;
let a: TestServer;
let b: TestServer;

const named = (base: string, name: string) => {
  const u = new URL(base);
  u.searchParams.set('application_name', name);
  return u.toString();
};

beforeAll(async () => {
  const url = await postgres.server().createDatabase();
  fake = await startFakeAnthropic();
  const model = { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url };
  a = await startServer({ env: { ...model, WEFT_DATABASE_URL: named(url, 'weft-a') }, config: { engineTickMs: 60_000, leaseMs: 600_000 } });
  b = await startServer({ env: { ...model, WEFT_DATABASE_URL: named(url, 'weft-b') }, config: { engineTickMs: 60_000, leaseMs: 600_000 } });
  for (const s of [a, b]) await waitUntil(() => s.app.cluster.listener?.listening === true, 10_000, 'LISTEN');
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
  await fake?.close();
});

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

  it('a reply no server writes any more (its server is gone) keeps the delete refused, 409 session_busy, once the stop went unanswered', async () => {
    const chat = await b.request('POST', '/api/sessions', { body: {} });
    const id = chat.body.id as string;
    // Left streaming as by a server that died while writing it.
    const orphan = b.app.sessions.createMessage({ sessionId: id, role: 'assistant' });
    const refused = await b.request('DELETE', `/api/sessions/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'session_busy', message: expect.stringContaining('still being written') });
    expect(b.app.sessions.getMessage(orphan.id).status).toBe('streaming');
  });
});
