import { messageText } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn } from '../helpers/fake-anthropic';
import { connectLive, waitUntil } from '../helpers/live-client';
import { makeDataDir } from '../helpers/server';
import { api, FAULT_TOKEN, freePort, startServerProcess, type ServerProcess } from './harness';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

/**
 * One real server process on SQLite, SIGKILLed while the assistant streams a reply from the fake
 * Messages API: no process is left to finish it, so the next start on the same data dir does.
 */
describe('a reply the server was writing when it was killed', { timeout: 90_000 }, () => {
  it('is finished as interrupted at the next start, with its text; a live client sees it end; the chat can be deleted', async () => {
    const fake = await startFakeAnthropic(() => ({
      kind: 'stream',
      events: textTurn('The first words, then never the rest of it.', { chunks: 8 }),
      hangAfter: 4,
    }));
    cleanup.push(() => fake.close());
    const dataDir = makeDataDir();
    const port = await freePort();
    const env = { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url };
    let server: ServerProcess = await startServerProcess({ dataDir, port, env });
    cleanup.push(() => server.kill());

    const chat = await api(server.url, 'POST', '/api/sessions', {});
    expect(chat.status).toBe(201);
    const sessionId = chat.body.id as string;
    const posted = await api(server.url, 'POST', `/api/sessions/${sessionId}/messages`, { content: 'tell me a long story' });
    expect(posted.status).toBe(202);
    const replyId = posted.body.assistantMessageId as string;
    // Its first words are stored; the stream hangs there.
    let page: { messages: any[]; lastSeq: number } = { messages: [], lastSeq: 0 };
    await waitUntil(
      async () => {
        page = (await api(server.url, 'GET', `/api/sessions/${sessionId}/messages`)).body;
        const reply = page.messages.find((m) => m.id === replyId);
        return reply?.status === 'streaming' && messageText(reply).length > 0;
      },
      20_000,
      'the reply streaming',
    );
    const stored = messageText(page.messages.find((m) => m.id === replyId));

    await server.kill('SIGKILL');
    server = await startServerProcess({ dataDir, port, env });

    // A browser that had the chat open reconnects from the last seq it had, and sees the reply end.
    const live = await connectLive(server.url, { token: FAULT_TOKEN });
    cleanup.push(async () => live.close());
    live.send({ type: 'subscribe', topic: `session:${sessionId}`, after: page.lastSeq });
    const completed = await live.waitFor((f) => f.type === 'event' && f.event.type === 'message.completed' && f.event.data.messageId === replyId, 10_000);
    expect(completed.event.data.status).toBe('canceled');

    const after = (await api(server.url, 'GET', `/api/sessions/${sessionId}/messages`)).body.messages.find((m: any) => m.id === replyId);
    expect(after.status).toBe('canceled');
    expect(after.parts.at(-1)).toEqual({ type: 'finish', reason: 'interrupted' });
    // The partial text stays: what was stored before the kill.
    expect(messageText(after).startsWith(stored)).toBe(true);
    expect(stored.length).toBeGreaterThan(0);

    expect((await api(server.url, 'DELETE', `/api/sessions/${sessionId}`)).status).toBe(204);
  });
});
