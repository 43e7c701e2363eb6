import { messageText } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn } from '../helpers/fake-anthropic';
import { connectFakeRunner } from '../helpers/fake-runner';
import { connectLive, waitUntil } from '../helpers/live-client';
import { makeDataDir, startServer } from '../helpers/server';
import { api, FAULT_TOKEN, freePort, startServerProcess, type ServerProcess } from './harness';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

/** A fake Messages API whose replies stream their first words and then hang, and a server process on a fresh data dir using it. */
async function serverWithHangingReplies(words: string) {
  const fake = await startFakeAnthropic(() => ({ kind: 'stream', events: textTurn(words, { chunks: 8 }), hangAfter: 4 }));
  cleanup.push(() => fake.close());
  const dataDir = makeDataDir();
  const port = await freePort();
  const env = { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url };
  const box: { server: ServerProcess } = { server: await startServerProcess({ dataDir, port, env }) };
  cleanup.push(() => box.server.kill());
  /** The same data dir and port again, after the test stopped the last one. */
  const restart = async () => {
    box.server = await startServerProcess({ dataDir, port, env });
    return box.server;
  };
  return { server: box.server, restart };
}

/**
 * One real server process on SQLite, SIGKILLed while the assistant streams a reply from the fake
 * Messages API: no process is left to finish it, so the next start on the same data dir does. An
 * agent turn is not the server's to finish: its runner carries it across the restart.
 */
describe('replies left streaming by a server that stopped', { timeout: 90_000 }, () => {
  it('is finished as interrupted at the next start, with its text; a live client sees it end; the chat can be deleted', async () => {
    const started = await serverWithHangingReplies('The first words, then never the rest of it.');
    let server = started.server;

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
    server = await started.restart();

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

  it('a server stopped gracefully (SIGTERM) finishes the reply as canceled before it exits: nothing is left for the next start', async () => {
    const started = await serverWithHangingReplies('Some words, then a long wait.');
    let server = started.server;
    const sessionId = (await api(server.url, 'POST', '/api/sessions', {})).body.id as string;
    const replyId = (await api(server.url, 'POST', `/api/sessions/${sessionId}/messages`, { content: 'tell me a long story' })).body
      .assistantMessageId as string;
    await waitUntil(
      async () => {
        const reply = (await api(server.url, 'GET', `/api/sessions/${sessionId}/messages`)).body.messages.find((m: any) => m.id === replyId);
        return reply?.status === 'streaming' && messageText(reply).length > 0;
      },
      20_000,
      'the reply streaming',
    );

    await server.kill('SIGTERM');
    server = await started.restart();
    const after = (await api(server.url, 'GET', `/api/sessions/${sessionId}/messages`)).body.messages.find((m: any) => m.id === replyId);
    expect(after.status).toBe('canceled');
    // Stopped by its own server on the way out, not found streaming and interrupted by the next one.
    expect(after.parts.find((p: any) => p.type === 'finish')?.reason).not.toBe('interrupted');
    expect(messageText(after).length).toBeGreaterThan(0);
  });

  it('cancelAll (the shutdown path) resolves once each reply it stopped is finalized as canceled', async () => {
    const fake = await startFakeAnthropic(() => ({ kind: 'stream', events: textTurn('Words, then a wait.', { chunks: 8 }), hangAfter: 4 }));
    cleanup.push(() => fake.close());
    const s = await startServer({ env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url } });
    cleanup.push(() => s.close());
    const sessionId = (await s.request('POST', '/api/sessions', { body: {} })).body.id as string;
    const replyId = (await s.request('POST', `/api/sessions/${sessionId}/messages`, { body: { content: 'go on' } })).body.assistantMessageId as string;
    const reply = async () => (await s.request('GET', `/api/sessions/${sessionId}/messages`)).body.messages.find((m: any) => m.id === replyId);
    await waitUntil(async () => (await reply())?.status === 'streaming' && messageText(await reply()).length > 0, 20_000, 'the reply streaming');
    await s.app.assistant.cancelAll();
    expect(s.app.assistant.writing(replyId)).toBe(false);
    expect((await reply()).status).toBe('canceled');
  });

  it('leaves an agent turn alone across a restart: its runner reconnects and goes on streaming it', async () => {
    const first = await startServer();
    const dataDir = first.dataDir;
    let server = first;
    cleanup.push(() => server.close());
    const workflow = await server.request('POST', '/api/workflows', {
      body: { definition: { name: 'Agent', steps: [{ id: 'fix', type: 'agent_prompt', prompt: 'Fix the failing test' }] } },
    });
    expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
    let runner = await connectFakeRunner(server.url, server.runnerToken, { runnerId: 'steady' });
    cleanup.push(async () => runner.close());
    const run = await server.request('POST', `/api/workflows/${workflow.body.id}/run`, { body: {} });
    const executionId = run.body.executionId as string;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const at = (seq: number, event: Record<string, unknown>) => ({ seq, stepId: 'fix', iterationPath: '', attempt: 1, ...event });
    const words = (seq: number, deltaSeq: number, text: string) =>
      at(seq, { type: 'message', message: { op: 'delta', key: 'fix|turn', deltaSeq, partIndex: 0, delta: { kind: 'append_text', text } } });
    const created = at(2, { type: 'message', message: { op: 'create', key: 'fix|turn', role: 'assistant', parts: [{ type: 'text', text: '' }] } });
    expect(await runner.events(grant, [at(1, { type: 'step.started' }), created, words(3, 1, 'Before the restart. ')])).toMatchObject({ type: 'ack' });
    const turn = () => {
      const row = server.app.db
        .prepare<[string], { message_id: string }>("SELECT message_id FROM message_keys WHERE execution_id = ? AND key = 'fix|turn'")
        .get(executionId);
      return row ? server.app.sessions.getMessage(row.message_id) : null;
    };
    await waitUntil(() => turn()?.deltaSeq === 1, 10_000, 'the first words stored');

    runner.close();
    await server.close();
    server = await startServer({ dataDir });
    // The start finished no run's message: the turn is its execution's.
    expect(turn()).toMatchObject({ status: 'streaming', deltaSeq: 1 });
    runner = await connectFakeRunner(server.url, server.runnerToken, { runnerId: 'steady' });
    expect(await runner.events(grant, [words(4, 2, 'After it.')])).toMatchObject({ type: 'ack' });
    await waitUntil(() => turn()?.deltaSeq === 2, 10_000, 'the words after the restart stored');
    expect(messageText(turn()!)).toBe('Before the restart. After it.');
    expect(turn()!.status).toBe('streaming');
  });
});
