import { LIVE_CLOSE, type JournalEventEnvelope } from '@weft/shared';
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeLive, type FakeLive } from '../../test/fake-live';
import { endPersonScope } from '../store/person-scope';
import { createLiveSocket, defaultBackoff, onCredentialChanged, resetLiveSocket, useTopicBatches, type LiveSocket } from './live-socket';

let live: FakeLive;
let socket: LiveSocket;
const seqs = (events: JournalEventEnvelope[]) => events.map((e) => e.seq);

beforeEach(() => {
  live = installFakeLive();
  socket = createLiveSocket({ backoff: () => 5 });
});
afterEach(() => {
  socket.close();
  cleanup();
  resetLiveSocket();
  vi.unstubAllGlobals();
});

describe('live socket', () => {
  it('replays after `after`, then delivers live events in order', async () => {
    for (let i = 0; i < 3; i++) live.append('execution:ex_1', 'step.updated', { i });
    const events: JournalEventEnvelope[] = [];
    const subscribed = vi.fn();
    socket.subscribe('execution:ex_1', { after: 1, onEvent: (e) => events.push(e), onSubscribed: subscribed });
    await vi.waitFor(() => expect(seqs(events)).toEqual([2, 3]));
    expect(subscribed).toHaveBeenCalledWith(3);
    expect(live.sent).toContainEqual({ type: 'subscribe', topic: 'execution:ex_1', after: 1 });
    live.append('execution:ex_1', 'step.updated', { i: 3 });
    expect(seqs(events)).toEqual([2, 3, 4]);
    expect(socket.getStatus()).toBe('open');
  });

  it('reconnects after a slow-consumer close and resumes after the last applied seq: no gap, no duplicate', async () => {
    const events: JournalEventEnvelope[] = [];
    socket.subscribe('session:s1', { onEvent: (e) => events.push(e) });
    await vi.waitFor(() => expect(live.isSubscribed('session:s1')).toBe(true));
    live.append('session:s1', 'message.created', {});
    live.append('session:s1', 'message.delta', {});
    live.drop(4008);
    expect(socket.getStatus()).toBe('reconnecting');
    live.append('session:s1', 'message.delta', {});
    live.append('session:s1', 'message.completed', {});
    await vi.waitFor(() => expect(seqs(events)).toEqual([1, 2, 3, 4]));
    expect(live.sent.filter((f) => f.type === 'subscribe')).toEqual([
      { type: 'subscribe', topic: 'session:s1', after: 0 },
      { type: 'subscribe', topic: 'session:s1', after: 2 },
    ]);
    expect(live.sockets).toHaveLength(2);
  });

  it('on 4401 (credential changed) reconnects, which authenticates again, resumes, and tells the app to re-check who it is', async () => {
    const changed = vi.fn();
    const stop = onCredentialChanged(changed);
    const events: JournalEventEnvelope[] = [];
    socket.subscribe('approvals', { onEvent: (e) => events.push(e) });
    await vi.waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    live.append('approvals', 'approval.requested', {});
    live.drop(4008);
    await vi.waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    expect(changed).not.toHaveBeenCalled();
    live.drop(LIVE_CLOSE.credentialChanged);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(socket.getStatus()).toBe('reconnecting');
    live.append('approvals', 'approval.decided', {});
    await vi.waitFor(() => expect(seqs(events)).toEqual([1, 2]));
    expect(live.sockets).toHaveLength(3);
    expect(live.sent.filter((f) => f.type === 'subscribe').at(-1)).toEqual({ type: 'subscribe', topic: 'approvals', after: 1 });
    stop();
  });

  it('serves two listeners of one topic from one subscription, each from its own position', async () => {
    const first: JournalEventEnvelope[] = [];
    const second: JournalEventEnvelope[] = [];
    for (let i = 0; i < 4; i++) live.append('approvals', 'approval.requested', { i });
    socket.subscribe('approvals', { after: 3, onEvent: (e) => first.push(e) });
    await vi.waitFor(() => expect(seqs(first)).toEqual([4]));
    // Needs events the stream already passed: the topic is resubscribed from 1, the first listener sees nothing twice.
    const unsubscribe = socket.subscribe('approvals', { after: 1, onEvent: (e) => second.push(e) });
    await vi.waitFor(() => expect(seqs(second)).toEqual([2, 3, 4]));
    live.append('approvals', 'approval.decided', {});
    expect(seqs(first)).toEqual([4, 5]);
    expect(seqs(second)).toEqual([2, 3, 4, 5]);
    unsubscribe();
    expect(live.sent.some((f) => f.type === 'unsubscribe')).toBe(false);
  });

  it('unsubscribes when the last listener leaves, and reports refused topics', async () => {
    const onError = vi.fn();
    const stop = socket.subscribe('executions', { onEvent: () => {}, onError });
    await vi.waitFor(() => expect(live.isSubscribed('executions')).toBe(true));
    stop();
    expect(live.sent.at(-1)).toEqual({ type: 'unsubscribe', topic: 'executions' });
    socket.subscribe('execution:nope', { onEvent: () => {}, onError });
    await vi.waitFor(() => expect(live.isSubscribed('execution:nope')).toBe(true));
    live.sockets[0]?.deliver({ type: 'error', id: null, topic: 'execution:nope', code: 'topic_not_found', message: 'no such execution' });
    expect(onError).toHaveBeenCalledWith({ code: 'topic_not_found', message: 'no such execution' });
  });

  it('on topic_pruned, asks each listener to reload its state and follows the topic from its head', async () => {
    for (let i = 0; i < 5; i++) live.append('execution:ex_2', 'step.updated', { i });
    const events: JournalEventEnvelope[] = [];
    const onPruned = vi.fn();
    const onError = vi.fn();
    socket.subscribe('execution:ex_2', { after: 0, onEvent: (e) => events.push(e), onPruned, onError });
    await vi.waitFor(() => expect(seqs(events)).toEqual([1, 2, 3, 4, 5]));
    // As the server answers a replay from before a compacted range (retention).
    live.sockets[0]?.deliver({ type: 'error', id: null, topic: 'execution:ex_2', code: 'topic_pruned', message: 'compacted', lastSeq: 9 });
    expect(onPruned).toHaveBeenCalledWith(9);
    expect(onError).not.toHaveBeenCalled();
    expect(live.sent.at(-1)).toEqual({ type: 'subscribe', topic: 'execution:ex_2', after: 9 });
  });

  it('ignores frames it cannot parse', async () => {
    const events: JournalEventEnvelope[] = [];
    socket.subscribe('sessions', { onEvent: (e) => events.push(e) });
    await vi.waitFor(() => expect(live.isSubscribed('sessions')).toBe(true));
    const raw = live.sockets[0]!;
    raw.onmessage?.(new MessageEvent('message', { data: '{not json' }));
    raw.onmessage?.(new MessageEvent('message', { data: JSON.stringify({ type: 'event', event: { topic: 'sessions', seq: 'x' } }) }));
    live.append('sessions', 'session.updated', {});
    expect(seqs(events)).toEqual([1]);
  });

  it('backs off exponentially with jitter, capped at 10 s', () => {
    expect(defaultBackoff(0, () => 0)).toBe(125);
    expect(defaultBackoff(3, () => 1)).toBe(2000);
    expect(defaultBackoff(20, () => 1)).toBe(10_000);
  });
});

function BatchProbe({ topic, onBatch }: { topic: string; onBatch: (events: JournalEventEnvelope[]) => void }) {
  useTopicBatches(topic, onBatch);
  return null;
}

describe('a sign-in that ended', () => {
  it('its listeners hear nothing more, even on a socket still open; a listener of the next sign-in does', async () => {
    const before: JournalEventEnvelope[] = [];
    socket.subscribe('approvals', { onEvent: (e) => before.push(e) });
    await vi.waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    live.append('approvals', 'approval.requested', { id: 'apr_1' });
    expect(seqs(before)).toEqual([1]);
    endPersonScope();
    live.append('approvals', 'approval.requested', { id: 'apr_2' });
    expect(seqs(before)).toEqual([1]);

    const after: JournalEventEnvelope[] = [];
    socket.subscribe('approvals', { after: 2, onEvent: (e) => after.push(e) });
    live.append('approvals', 'approval.requested', { id: 'apr_3' });
    expect(seqs(after)).toEqual([3]);
    expect(seqs(before)).toEqual([1]);
  });

  it('a batch received before the sign-out and due at the next animation frame is dropped', async () => {
    resetLiveSocket(socket);
    const batches: number[][] = [];
    render(<BatchProbe topic="session:s3" onBatch={(events) => batches.push(seqs(events))} />);
    await vi.waitFor(() => expect(live.isSubscribed('session:s3')).toBe(true));
    act(() => {
      live.append('session:s3', 'message.delta', {});
      endPersonScope();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(batches).toEqual([]);
  });
});

describe('useTopicBatches', () => {
  it('hands a burst of events over once per animation frame', async () => {
    resetLiveSocket(socket);
    const batches: number[][] = [];
    render(<BatchProbe topic="session:s2" onBatch={(events) => batches.push(seqs(events))} />);
    await vi.waitFor(() => expect(live.isSubscribed('session:s2')).toBe(true));
    act(() => {
      for (let i = 0; i < 50; i++) live.append('session:s2', 'message.delta', { i });
    });
    await vi.waitFor(() => expect(batches.flat()).toHaveLength(50));
    expect(batches).toHaveLength(1);
  });
});
