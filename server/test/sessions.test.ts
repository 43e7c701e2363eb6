import { applyMessageDelta, messageText, type Message } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionsService } from '../src/sessions/sessions-service';
import { seedExecution } from './helpers/fixtures';
import { connectLive } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';
import { appendSynthetic } from './helpers/synthetic-events';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('sessions API', () => {
  it('creates, lists and reads sessions', async () => {
    const created = await s.request('POST', '/api/sessions', { body: { title: 'Morning report' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^ses_/), title: 'Morning report', runningExecutions: 0 });
    const untitled = await s.request('POST', '/api/sessions', { body: {} });
    expect(untitled.body.title).toBe('New chat');
    const list = await s.request('GET', '/api/sessions');
    expect(list.body.sessions.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([created.body.id, untitled.body.id]));
    expect((await s.request('GET', `/api/sessions/${created.body.id}`)).body).toEqual(created.body);
    expect((await s.request('GET', '/api/sessions/ses_nope')).status).toBe(404);
    const bad = await s.request('POST', '/api/sessions', { body: { title: 42 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('title');
  });

  it('paginates messages newest page first, oldest-first within a page', async () => {
    const session = s.app.sessions.createSession({ title: 'pages' });
    for (let i = 0; i < 25; i++) s.app.sessions.postMessage({ sessionId: session.id, role: 'user', text: `m${i}` });
    const p1 = await s.request('GET', `/api/sessions/${session.id}/messages?limit=10`);
    expect(p1.body.messages.map(messageText)).toEqual(Array.from({ length: 10 }, (_, i) => `m${15 + i}`));
    const p2 = await s.request('GET', `/api/sessions/${session.id}/messages?limit=10&before=${p1.body.nextBefore}`);
    expect(p2.body.messages.map(messageText)).toEqual(Array.from({ length: 10 }, (_, i) => `m${5 + i}`));
    const p3 = await s.request('GET', `/api/sessions/${session.id}/messages?limit=10&before=${p2.body.nextBefore}`);
    expect(p3.body.messages.map(messageText)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(p3.body.nextBefore).toBeNull();
    expect((await s.request('GET', `/api/sessions/${session.id}/messages?limit=0`)).status).toBe(400);
    expect((await s.request('GET', `/api/sessions/${session.id}/messages?before=msg_other`)).status).toBe(400);
  });
});

describe('back-pointers', () => {
  it('are stored and returned on every read path, after a restart too', async () => {
    const session = s.app.sessions.createSession({});
    const { executionId } = await seedExecution(s, { sessionId: session.id });
    const bp = { executionId, stepId: 'think', iterationPath: 'each[1]', attempt: 2 };
    const m = s.app.sessions.createMessage({ sessionId: session.id, role: 'assistant', backPointers: bp });
    expect(m).toMatchObject(bp);
    s.app.sessions.completeMessage({ messageId: m.id, status: 'complete' });
    const page = await s.request('GET', `/api/sessions/${session.id}/messages`);
    expect(page.body.messages[0]).toMatchObject({ id: m.id, ...bp, status: 'complete' });
    const events = await s.request('GET', `/api/events?topic=session:${session.id}`);
    expect(events.body.events.find((e: any) => e.type === 'message.created').data).toMatchObject(bp);

    const { startServer: restart } = await import('./helpers/server');
    const dataDir = s.dataDir;
    await s.close();
    s = await restart({ dataDir });
    const again = await s.request('GET', `/api/sessions/${session.id}/messages`);
    expect(again.body.messages[0]).toMatchObject({ id: m.id, ...bp });
  });

  it('refuse an unknown execution, a foreign one, an unknown step and a bad iteration path', async () => {
    const mine = s.app.sessions.createSession({});
    const other = s.app.sessions.createSession({});
    const { executionId: foreign } = await seedExecution(s, { sessionId: other.id });
    const { executionId } = await seedExecution(s, { sessionId: mine.id });
    const create = (backPointers: any) => () => s.app.sessions.createMessage({ sessionId: mine.id, role: 'assistant', backPointers });
    expect(create({ executionId: 'ex_missing' })).toThrow(/executionId: execution ex_missing does not exist/);
    expect(create({ executionId: foreign })).toThrow(/belongs to another session/);
    expect(create({ executionId, stepId: 'nope' })).toThrow(/stepId: step nope/);
    expect(create({ executionId, stepId: 'think', iterationPath: 'fetch[0]' })).toThrow(/iterationPath: fetch is not a loop/);
    expect(create({ executionId, stepId: 'think', iterationPath: 'garbage' })).toThrow(/iterationPath/);
    expect(create({ executionId, attempt: 1 })).toThrow(/stepId: required/);
    expect(create({ executionId, stepId: 'think', attempt: 0 })).toThrow(/attempt/);
  });
});

describe('streamed messages', () => {
  it('ignore duplicate deltas and store exactly the concatenation of the deltas', async () => {
    const { sessions } = s.app;
    const session = sessions.createSession({});
    const m = sessions.createMessage({ sessionId: session.id, role: 'assistant' });
    const tokens = Array.from({ length: 300 }, (_, i) => `tok${i} `);
    let seq = 0;
    for (const t of tokens) {
      seq++;
      expect(sessions.appendDelta({ messageId: m.id, deltaSeq: seq, partIndex: 0, op: { kind: 'append_text', text: t } }).applied).toBe(true);
      // A resend of the same delta (reconnect) is not applied twice.
      expect(sessions.appendDelta({ messageId: m.id, deltaSeq: seq, partIndex: 0, op: { kind: 'append_text', text: t } }).applied).toBe(false);
    }
    expect(() => sessions.appendDelta({ messageId: m.id, deltaSeq: seq + 2, partIndex: 0, op: { kind: 'append_text', text: 'x' } })).toThrow(/skips/);
    const final = sessions.completeMessage({ messageId: m.id, status: 'complete' });
    expect(messageText(final)).toBe(tokens.join(''));
    const stored = (await s.request('GET', `/api/sessions/${session.id}/messages`)).body.messages[0];
    expect(messageText(stored)).toBe(tokens.join(''));
    expect(stored.status).toBe('complete');
    // Coalesced: far fewer journal writes than tokens.
    const events = (await s.request('GET', `/api/events?topic=session:${session.id}&limit=1000`)).body.events;
    const deltaEvents = events.filter((e: any) => e.type === 'message.delta');
    expect(deltaEvents.length).toBeGreaterThan(0);
    expect(deltaEvents.length).toBeLessThan(tokens.length / 5);
    expect(() => sessions.appendDelta({ messageId: m.id, deltaSeq: seq + 1, partIndex: 0, op: { kind: 'append_text', text: 'late' } })).toThrow(
      /already complete/,
    );
  });

  it("another writer's memory (a second server) moving the row on: this one's unstored copy is not written over it, and is read again", () => {
    // Two servers' memories of one chat on one database, flushing only when told.
    const here = createSessionsService({ db: s.app.db, journal: s.app.journal, clock: s.app.clock, coalesceMs: 3_600_000 });
    const there = createSessionsService({ db: s.app.db, journal: s.app.journal, clock: s.app.clock, coalesceMs: 3_600_000 });
    const session = here.createSession({});
    const m = here.createMessage({ sessionId: session.id, role: 'assistant' });
    const text = (deltaSeq: number, t: string) => ({ messageId: m.id, deltaSeq, partIndex: 0, op: { kind: 'append_text' as const, text: t } });
    here.appendDelta(text(1, 'one here. '));
    here.flushAll();
    // Held here, not stored yet, when the turn goes on there (a runner failed over).
    here.appendDelta(text(2, 'two here. '));
    there.appendDelta(text(2, 'two there. '));
    there.appendDelta(text(3, 'three there. '));
    there.flushAll();
    here.flushAll();
    expect(messageText(s.app.sessions.getMessage(m.id))).toBe('one here. two there. three there. ');
    expect(here.held()).not.toContain(m.id);
    // Back here: the turn continues from the row.
    expect(here.appendDelta(text(4, 'four here.')).applied).toBe(true);
    const final = here.completeMessage({ messageId: m.id, status: 'complete' });
    expect(messageText(final)).toBe('one here. two there. three there. four here.');
    expect(messageText(s.app.sessions.getMessage(m.id))).toBe(messageText(final));
    // There, a late word on its copy of a turn finalized here is not stored.
    expect(there.appendDelta(text(4, 'four there.')).applied).toBe(true);
    there.flushAll();
    expect(there.held()).not.toContain(m.id);
    expect(s.app.sessions.getMessage(m.id)).toMatchObject({ status: 'complete', deltaSeq: 4 });
    expect(messageText(s.app.sessions.getMessage(m.id))).toBe('one here. two there. three there. four here.');
  });

  it('a client overlapping replay and live sees each delta once and the same final text', async () => {
    const { sessions } = s.app;
    const session = sessions.createSession({});
    const topic = `session:${session.id}`;
    const m = sessions.createMessage({ sessionId: session.id, role: 'assistant' });
    const live = await connectLive(s.url, { token: s.token });
    live.send({ type: 'subscribe', topic, after: 0 });
    let text = '';
    for (let i = 1; i <= 200; i++) {
      const piece = `w${i}.`;
      text += piece;
      sessions.appendDelta({ messageId: m.id, deltaSeq: i, partIndex: 0, op: { kind: 'append_text', text: piece } });
      if (i === 100) {
        // A second client joins mid-stream with a replay from the start.
        await new Promise((r) => setTimeout(r, 60));
      }
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const late = await connectLive(s.url, { token: s.token });
    late.send({ type: 'subscribe', topic, after: 0 });
    sessions.completeMessage({ messageId: m.id, status: 'complete' });
    for (const c of [live, late]) {
      await c.waitFor((f) => f.type === 'event' && f.event.type === 'message.completed');
      // Apply every delta frame, even re-delivered ones, as a client would.
      let view: Message | undefined;
      for (const f of c.frames.filter((x) => x.type === 'event')) {
        if (f.event.type === 'message.created') view = f.event.data;
        if (f.event.type === 'message.delta') view = applyMessageDelta(view!, f.event.data).message;
        if (f.event.type === 'message.delta') view = applyMessageDelta(view!, f.event.data).message; // duplicate: no effect
      }
      expect(messageText(view!)).toBe(text);
      c.close();
    }
  });

  it('finalizing closes running tool calls and records the finish reason', async () => {
    const { sessions } = s.app;
    const session = sessions.createSession({});
    const m = sessions.createMessage({ sessionId: session.id, role: 'assistant' });
    sessions.appendDelta({ messageId: m.id, deltaSeq: 1, partIndex: 0, op: { kind: 'append_text', text: 'Looking' } });
    sessions.appendDelta({
      messageId: m.id,
      deltaSeq: 2,
      partIndex: 1,
      op: { kind: 'set_part', part: { type: 'tool_call', id: 't1', name: 'workflows:list_workflows', input: null, status: 'running' } },
    });
    sessions.appendDelta({ messageId: m.id, deltaSeq: 3, partIndex: 1, op: { kind: 'append_tool_input', json: '{"lim' } });
    const final = sessions.completeMessage({ messageId: m.id, status: 'canceled' });
    expect(final.parts[1]).toMatchObject({ type: 'tool_call', status: 'canceled', inputText: '{"lim' });
    expect(final.parts.at(-1)).toEqual({ type: 'finish', reason: 'canceled' });
    // Same final status again is harmless; another is a conflict.
    expect(sessions.completeMessage({ messageId: m.id, status: 'canceled' }).status).toBe('canceled');
    expect(() => sessions.completeMessage({ messageId: m.id, status: 'complete' })).toThrow(/already canceled/);
  });
});

describe('GET /api/events', () => {
  it('pages through a topic with after and limit', async () => {
    const { journal } = s.app;
    const topic = 'workflows';
    const base = journal.lastSeq(topic);
    for (let i = 0; i < 7; i++) appendSynthetic(journal, topic, 'workflow.updated', { i });
    const p1 = await s.request('GET', `/api/events?topic=${topic}&after=${base}&limit=4`);
    expect(p1.body.events.map((e: any) => e.seq)).toEqual([base + 1, base + 2, base + 3, base + 4]);
    expect(p1.body.hasMore).toBe(true);
    expect(p1.body.events[0]).toMatchObject({ topic, type: 'workflow.updated', at: expect.any(String), data: { i: 0 } });
    const p2 = await s.request('GET', `/api/events?topic=${topic}&after=${base + 4}&limit=4`);
    expect(p2.body.events.map((e: any) => e.seq)).toEqual([base + 5, base + 6, base + 7]);
    expect(p2.body).toMatchObject({ hasMore: false, lastSeq: base + 7 });
  });

  it('refuses malformed and unknown topics and bad numbers', async () => {
    expect((await s.request('GET', '/api/events?topic=../../etc')).body.error.code).toBe('unknown_topic');
    expect((await s.request('GET', '/api/events?topic=execution:ex_missing')).status).toBe(404);
    expect((await s.request('GET', '/api/events?topic=approvals&after=-1')).status).toBe(400);
    expect((await s.request('GET', '/api/events')).status).toBe(400);
  });
});
