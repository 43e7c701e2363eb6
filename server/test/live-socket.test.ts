import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive, waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';
import { appendSynthetic } from './helpers/synthetic-events';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ config: { liveHeartbeatMs: 200, liveMaxBufferedBytes: 256 * 1024 } });
});
afterAll(() => s.close());

const seqsOf = (frames: any[], topic: string) => frames.filter((f) => f.type === 'event' && f.event.topic === topic).map((f) => f.event.seq as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('/ws authentication', () => {
  it('refuses an upgrade without the token (401) and from a foreign Origin (403)', async () => {
    await expect(connectLive(s.url)).rejects.toMatchObject({ statusCode: 401 });
    await expect(connectLive(s.url, { token: s.token, headers: { origin: 'https://evil.example' } })).rejects.toMatchObject({ statusCode: 403 });
    const ok = await connectLive(s.url, { token: s.token, headers: { origin: s.url } });
    await ok.waitFor((f) => f.type === 'hello');
    ok.close();
  });
});

describe('/ws frames', () => {
  it('answers bad frames with an error and stays usable', async () => {
    const c = await connectLive(s.url, { token: s.token });
    c.send('not json');
    await c.waitFor((f) => f.type === 'error' && f.id === null && f.code === 'bad_frame');
    c.send({ type: 'launch', id: 'x1' });
    await c.waitFor((f) => f.type === 'error' && f.id === 'x1' && f.code === 'bad_frame');
    c.send({ type: 'subscribe', id: 'x2', topic: 'secrets:all' });
    await c.waitFor((f) => f.type === 'error' && f.id === 'x2' && f.code === 'unknown_topic');
    c.send({ type: 'subscribe', id: 'x3', topic: 'session:ses_missing' });
    await c.waitFor((f) => f.type === 'error' && f.id === 'x3' && f.code === 'topic_not_found');
    c.send({ type: 'ping', id: 'p' });
    await c.waitFor((f) => f.type === 'pong' && f.id === 'p');
    c.close();
  });
});

describe('replay and live hand-off', () => {
  it('delivers every event exactly once and in order to many subscribers joining during production', async () => {
    const topic = 'approvals';
    const { journal } = s.app;
    const base = journal.lastSeq(topic);
    const total = 1500;
    const clients = await Promise.all(Array.from({ length: 12 }, () => connectLive(s.url, { token: s.token })));
    let produced = 0;
    const producer = (async () => {
      while (produced < total) {
        // Bursts of committed transactions, yielding so subscriptions interleave with production.
        journal.transaction(() => {
          for (let i = 0; i < 5; i++) appendSynthetic(journal, topic, 'approval.requested', { n: produced++ });
        });
        await new Promise((r) => setImmediate(r));
      }
    })();
    const afters: number[] = [];
    for (const [i, c] of clients.entries()) {
      await new Promise((r) => setTimeout(r, 3 * i));
      const after = i % 3 === 0 ? base : journal.lastSeq(topic) - (i % 4) * 7;
      afters.push(Math.max(base, after));
      c.send({ type: 'subscribe', id: i, topic, after: afters[i] });
    }
    await producer;
    const last = journal.lastSeq(topic);
    expect(last).toBe(base + total);
    for (const [i, c] of clients.entries()) {
      await waitUntil(() => seqsOf(c.frames, topic).at(-1) === last, 10_000, `client ${i} to catch up`);
      expect(seqsOf(c.frames, topic)).toEqual(range(afters[i]! + 1, last));
      c.close();
    }
  });

  it('resumes after a reconnect from `after` with no gap or duplicate', async () => {
    const { sessions, journal } = s.app;
    const session = sessions.createSession({ title: 'resume' });
    const topic = `session:${session.id}`;
    const first = await connectLive(s.url, { token: s.token });
    first.send({ type: 'subscribe', topic, after: 0 });
    for (let i = 0; i < 10; i++) sessions.postMessage({ sessionId: session.id, text: `m${i}` });
    await waitUntil(() => seqsOf(first.frames, topic).length === 10);
    const seen = seqsOf(first.frames, topic).slice(0, 6);
    first.ws.terminate();
    for (let i = 10; i < 20; i++) sessions.postMessage({ sessionId: session.id, text: `m${i}` });
    const second = await connectLive(s.url, { token: s.token });
    second.send({ type: 'subscribe', topic, after: seen.at(-1) });
    await waitUntil(() => seqsOf(second.frames, topic).at(-1) === journal.lastSeq(topic));
    expect([...seen, ...seqsOf(second.frames, topic)]).toEqual(range(1, journal.lastSeq(topic)));
    second.close();
  });

  it('stops delivering after unsubscribe', async () => {
    const c = await connectLive(s.url, { token: s.token });
    c.send({ type: 'subscribe', topic: 'integrations' });
    await c.waitFor((f) => f.type === 'subscribed');
    appendSynthetic(s.app.journal, 'integrations', 'integration.updated', { a: 1 });
    await c.waitFor((f) => f.type === 'event');
    c.send({ type: 'unsubscribe', id: 'u', topic: 'integrations' });
    await c.waitFor((f) => f.type === 'unsubscribed' && f.id === 'u');
    appendSynthetic(s.app.journal, 'integrations', 'integration.updated', { a: 2 });
    c.send({ type: 'ping', id: 'after' });
    await c.waitFor((f) => f.type === 'pong' && f.id === 'after');
    expect(c.frames.filter((f) => f.type === 'event')).toHaveLength(1);
    c.close();
  });
});

describe('slow consumers', () => {
  // A heartbeat long enough that a paused reader is ended by the slow-consumer path, not by a missed beat.
  const LIMIT = 256 * 1024;
  const GRACE_MS = 3000;
  let slowServer: TestServer;
  beforeAll(async () => {
    slowServer = await startServer({ config: { liveHeartbeatMs: 60_000, liveMaxBufferedBytes: LIMIT, liveCloseGraceMs: GRACE_MS } });
  });
  afterAll(() => slowServer.close());

  const blob = 'x'.repeat(8 * 1024);
  const maxBufferedOf = (srv: TestServer) => Math.max(0, ...[...srv.app.websocketServer.clients].map((c) => c.bufferedAmount));

  async function pausedSubscriber(srv: TestServer, topic: string) {
    const slow = await connectLive(srv.url, { token: srv.token });
    slow.send({ type: 'subscribe', topic });
    await slow.waitFor((f) => f.type === 'subscribed');
    (slow.ws as any)._socket.pause(); // stops reading: the server's send buffer fills
    return slow;
  }

  /** Appends 8 KiB events until the server gives up on a socket; returns the largest send buffer seen. */
  async function produceUntilSlow(srv: TestServer, topic: string) {
    const { journal, live } = srv.app;
    const before = live.slowClosed;
    let maxBuffered = 0;
    for (let i = 0; live.slowClosed === before; i++) {
      if (i > 20_000) throw new Error('the slow consumer was never closed');
      appendSynthetic(journal, topic, 'execution.updated', { i, blob });
      maxBuffered = Math.max(maxBuffered, maxBufferedOf(srv));
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    return maxBuffered;
  }

  it('costs at most its buffer, is detached at once (no journal read for it after), and reads 4008 once it resumes', async () => {
    const srv = slowServer;
    const { journal, live } = srv.app;
    const topic = 'executions';
    const fast = await connectLive(srv.url, { token: srv.token });
    fast.send({ type: 'subscribe', topic });
    await fast.waitFor((f) => f.type === 'subscribed');
    const first = journal.lastSeq(topic) + 1;
    const listening = journal.bus.listenerCount(topic);
    const slow = await pausedSubscriber(srv, topic);
    expect(journal.bus.listenerCount(topic)).toBe(listening + 1);

    let maxBuffered = await produceUntilSlow(srv, topic);
    // Detached from the bus the moment it was marked slow.
    expect(journal.bus.listenerCount(topic)).toBe(listening);
    const readsAtClose = live.journalReads;
    for (let i = 0; i < 100; i++) {
      appendSynthetic(journal, topic, 'execution.updated', { i, blob });
      maxBuffered = Math.max(maxBuffered, maxBufferedOf(srv));
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    // Later events cost the closed socket nothing: not one journal read, not one byte queued.
    expect(live.journalReads).toBe(readsAtClose);
    // Never more than the bound, plus the close frame.
    expect(maxBuffered).toBeLessThanOrEqual(LIMIT + 128);

    (slow.ws as any)._socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/slow consumer/);
    // Everything it was sent arrived, in order, with no gap: then the close.
    const got = seqsOf(slow.frames, topic);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(range(first, first + got.length - 1));
    await waitUntil(() => seqsOf(fast.frames, topic).at(-1) === journal.lastSeq(topic), 10_000, 'the fast reader to get everything');
    expect(seqsOf(fast.frames, topic)).toEqual(range(first, journal.lastSeq(topic)));
    fast.close();
  });

  it('a reader that keeps up is not taken for slow by a replay of large events (a page waits at half the bound)', async () => {
    const srv = slowServer;
    const { sessions, journal, live } = srv.app;
    const topic = `session:${sessions.createSession({ title: 'big replay' }).id}`;
    // One page is 16 MiB: more than the kernel's socket buffers take, and 64 times the bound.
    const big = 'y'.repeat(64 * 1024);
    journal.transaction(() => {
      for (let i = 0; i < 256; i++) appendSynthetic(journal, topic, 'message.delta', { i, big });
    });
    const slowBefore = live.slowClosed;
    const c = await connectLive(srv.url, { token: srv.token });
    c.send({ type: 'subscribe', topic, after: 0 });
    await waitUntil(() => seqsOf(c.frames, topic).at(-1) === journal.lastSeq(topic), 10_000, 'the replay');
    expect(seqsOf(c.frames, topic)).toEqual(range(1, journal.lastSeq(topic)));
    expect(live.slowClosed).toBe(slowBefore);
    c.close();
  });

  it('a consumer that never resumes is terminated after the grace period, its buffer freed', async () => {
    const srv = slowServer;
    const { live } = srv.app;
    const topic = 'approvals';
    const slow = await pausedSubscriber(srv, topic);
    const terminated = live.terminated;
    await produceUntilSlow(srv, topic);
    const markedAt = Date.now();
    await waitUntil(() => live.terminated === terminated + 1 && srv.app.websocketServer.clients.size === 0, 10_000, 'the stalled socket to be terminated');
    expect(Date.now() - markedAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(live.sockets).toBe(0);
    (slow.ws as any)._socket.resume();
    await slow.closed;
  });
});

describe('resource bounds', () => {
  it('reaps a socket that stops answering heartbeats', async () => {
    const dead = await connectLive(s.url, { token: s.token, options: { autoPong: false } });
    const closed = await dead.closed;
    expect(closed.code).toBe(1006); // terminated, no close handshake
  });
});
