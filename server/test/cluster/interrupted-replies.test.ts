import { messageText } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_GONE_AFTER_MS } from '../../src/cluster/server-liveness';
import { api, freePort, startServerProcess, type ServerProcess } from '../faults/harness';
import { type FakeAnthropic, startFakeAnthropic, textTurn } from '../helpers/fake-anthropic';
import { connectLive, waitUntil } from '../helpers/live-client';
import { makeDataDir, startServer, type TestServer } from '../helpers/server';
import { usePostgres, namedConnection } from '../support/use-postgres';

/**
 * The assistant's replies of a server that is gone, with several servers on one PostgreSQL
 * database: a live server finishes them as interrupted once it sees that server gone, and never
 * touches a reply a live server still writes. Server A runs in this process (it survives); the
 * server that dies is a real process, SIGKILLed mid-reply.
 */

const postgres = usePostgres();
let url: string;
let fake: FakeAnthropic;
let a: TestServer;
const model = () => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url });

beforeAll(async () => {
  url = await postgres.server().createDatabase();
  // Every reply streams its first words, then hangs: only a stop or an interruption ends it.
  fake = await startFakeAnthropic(() => ({ kind: 'stream', events: textTurn('The first words, and never the rest of them.', { chunks: 8 }), hangAfter: 4 }));
  a = await startServer({ env: { ...model(), WEFT_DATABASE_URL: namedConnection(url, 'weft-a') } });
  await waitUntil(() => a.app.cluster.listener?.listening === true, 10_000, 'LISTEN');
}, 60_000);
afterAll(async () => {
  await a?.close();
  await fake?.close();
});

type Row = { status: string; streamed_by: string | null; parts: string };
const row = (id: string) => a.app.db.prepare<[string], Row>('SELECT status, streamed_by, parts FROM messages WHERE id = ?').get(id)!;
const finishOf = (id: string) => (JSON.parse(row(id).parts) as { type: string; reason?: string }[]).at(-1);

/** A chat on A with a reply A is writing (hanging after its first words). */
async function replyOnA(): Promise<{ sessionId: string; replyId: string }> {
  const sessionId = (await a.request('POST', '/api/sessions', { body: {} })).body.id as string;
  const posted = await a.request('POST', `/api/sessions/${sessionId}/messages`, { body: { content: 'a long story, please' } });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const replyId = posted.body.assistantMessageId as string;
  await waitUntil(() => messageText(a.app.sessions.getMessage(replyId)).length > 0, 10_000, "A's reply streaming");
  return { sessionId, replyId };
}

describe("the assistant's replies of a server that is gone", { timeout: 90_000 }, () => {
  it('a server SIGKILLed mid-reply: the live server finishes its reply as interrupted, keeps its text, and leaves its own reply streaming', async () => {
    const mine = await replyOnA();
    let killed: ServerProcess | null = await startServerProcess({
      dataDir: makeDataDir(),
      port: await freePort(),
      env: { ...model(), WEFT_DATABASE_URL: namedConnection(url, 'weft-killed') },
    });
    try {
      const sessionId = (await api(killed.url, 'POST', '/api/sessions', {})).body.id as string;
      const posted = await api(killed.url, 'POST', `/api/sessions/${sessionId}/messages`, { content: 'tell me everything' });
      expect(posted.status, JSON.stringify(posted.body)).toBe(202);
      const replyId = posted.body.assistantMessageId as string;
      await waitUntil(() => row(replyId).status === 'streaming' && messageText(a.app.sessions.getMessage(replyId)).length > 0, 20_000, 'its reply streaming');
      const writer = row(replyId).streamed_by;
      expect(writer).toMatch(/^srv_/);
      expect(writer).not.toBe(a.app.cluster.liveness.id);
      expect(a.app.cluster.liveness.isGone(writer)).toBe(false);
      // Alive: A's checks leave its reply alone.
      a.app.cluster.checkGoneServers();
      expect(row(replyId).status).toBe('streaming');
      const stored = messageText(a.app.sessions.getMessage(replyId));

      const live = await connectLive(a.url, { token: a.token });
      try {
        live.send({ type: 'subscribe', topic: `session:${sessionId}` });
        await live.waitFor((f) => f.type === 'subscribed');
        await killed.kill('SIGKILL');
        killed = null;
        // A sees it gone (its process no longer runs) on its next look, every few seconds.
        const completed = await live.waitFor((f) => f.type === 'event' && f.event.type === 'message.completed' && f.event.data.messageId === replyId, 15_000);
        expect(completed.event.data.status).toBe('canceled');
        expect(completed.event.data.message.parts.at(-1)).toEqual({ type: 'finish', reason: 'interrupted' });
      } finally {
        live.close();
      }
      expect(row(replyId)).toMatchObject({ status: 'canceled', streamed_by: null });
      expect(finishOf(replyId)).toEqual({ type: 'finish', reason: 'interrupted' });
      expect(messageText(a.app.sessions.getMessage(replyId)).startsWith(stored)).toBe(true);
      expect((await a.request('DELETE', `/api/sessions/${sessionId}`)).status).toBe(204);

      // A's own reply, all along: still streaming, still A's.
      expect(row(mine.replyId)).toMatchObject({ status: 'streaming', streamed_by: a.app.cluster.liveness.id });
    } finally {
      await killed?.kill('SIGKILL');
    }
    // Stopped by its chat's deletion, as a stop, not as an interruption.
    expect((await a.request('DELETE', `/api/sessions/${mine.sessionId}`)).status).toBe(204);
  });

  it('a server that stops being seen: finished once its liveness lapses; a starting server leaves the replies of live servers alone', async () => {
    const mine = await replyOnA();
    // A server on another machine, seen just now, writing a reply.
    const seen = Date.now();
    a.app.db.prepare("INSERT INTO servers (id, host, pid, started_at, seen_at) VALUES ('srv_quiet', 'elsewhere', 1, '2026-01-01T00:00:00.000Z', ?)").run(seen);
    const chat = a.app.sessions.createSession({});
    const theirs = a.app.sessions.createMessage({
      sessionId: chat.id,
      role: 'assistant',
      parts: [{ type: 'text', text: 'Half a sen' }],
      streamedBy: 'srv_quiet',
    });

    const b = await startServer({ env: { ...model(), WEFT_DATABASE_URL: namedConnection(url, 'weft-b') } });
    try {
      // B's start and B's checks: both writers are alive.
      b.app.cluster.checkGoneServers();
      a.app.cluster.checkGoneServers();
      expect(row(theirs.id).status).toBe('streaming');
      expect(row(mine.replyId)).toMatchObject({ status: 'streaming', streamed_by: a.app.cluster.liveness.id });

      // Not seen for longer than SERVER_GONE_AFTER_MS: gone; a live server's next look finishes its reply.
      a.app.db.prepare("UPDATE servers SET seen_at = ? WHERE id = 'srv_quiet'").run(seen - SERVER_GONE_AFTER_MS - 1_000);
      await waitUntil(() => row(theirs.id).status !== 'streaming', 10_000, "the quiet server's reply finished");
      expect(row(theirs.id)).toMatchObject({ status: 'canceled', streamed_by: null });
      expect(finishOf(theirs.id)).toEqual({ type: 'finish', reason: 'interrupted' });
      expect(messageText(a.app.sessions.getMessage(theirs.id))).toBe('Half a sen');
      // Journaled once, whichever server looked first.
      const completions = a.app.journal.read(`session:${chat.id}`, 0, 1000).filter((e) => e.type === 'message.completed');
      expect(completions).toHaveLength(1);
      expect(row(mine.replyId).status).toBe('streaming');
      expect((await b.request('DELETE', `/api/sessions/${chat.id}`)).status).toBe(204);
    } finally {
      await b.close();
    }
    expect((await a.request('DELETE', `/api/sessions/${mine.sessionId}`)).status).toBe(204);
  });

  it('a reply another server finished while its writer still streams it: the writer stops its turn', async () => {
    const { sessionId, replyId } = await replyOnA();
    expect(a.app.assistant.writing(replyId)).toBe(true);
    const b = await startServer({ env: { ...model(), WEFT_DATABASE_URL: namedConnection(url, 'weft-b') } });
    try {
      // What B's sweep does once it judges A gone (A stalled past SERVER_GONE_AFTER_MS, then woke up).
      b.app.sessions.completeMessage({ messageId: replyId, status: 'canceled', finishReason: 'interrupted' });
      // A hears of it over the database and ends the turn that was still waiting on the model.
      await waitUntil(() => !a.app.assistant.writing(replyId), 10_000, "A's turn stopped");
      expect(row(replyId)).toMatchObject({ status: 'canceled', streamed_by: null });
      expect(finishOf(replyId)).toEqual({ type: 'finish', reason: 'interrupted' });
      const completions = a.app.journal.read(`session:${sessionId}`, 0, 1000).filter((e) => e.type === 'message.completed');
      expect(completions).toHaveLength(1);
    } finally {
      await b.close();
    }
    expect((await a.request('DELETE', `/api/sessions/${sessionId}`)).status).toBe(204);
  });
});
