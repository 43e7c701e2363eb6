import { backoffDelay, LIVE_CLOSE, LiveServerMessage, type JournalEventEnvelope, type LiveClientMessage } from '@weft/shared';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { personSignal } from '../store/person-scope';

/**
 * The browser's one connection to `/ws`: topics are subscribed by whoever needs them, each
 * listener remembers the last seq it applied, and after any drop (network, server restart, 4008
 * slow consumer) the socket reconnects with backoff and resubscribes every topic with `after` =
 * the oldest seq a listener still needs. Listeners never see a seq twice, and never miss one.
 *
 * 4401 (`LIVE_CLOSE.credentialChanged`): the server no longer accepts the credential the socket
 * opened with as it was (signed out, session revoked, token deleted, person disabled or role
 * changed). The socket reconnects on the backoff's first step, which authenticates again (an ended
 * credential then fails the upgrade), and tells `onCredentialChanged` listeners so the app asks
 * who it is now.
 *
 * A listener hears only the sign-in it subscribed in (store/person-scope.ts): once that person
 * signs out, nothing more reaches it, not even a frame already received, nor a batch queued for
 * the next animation frame (`useTopicBatches`).
 */

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

export type TopicHandlers = {
  onEvent: (event: JournalEventEnvelope) => void;
  /** The server accepted the subscription; `lastSeq` is the topic's head at that moment. */
  onSubscribed?: (lastSeq: number) => void;
  /** The server refused the topic (`unknown_topic`, `topic_not_found`, `topic_pruned` of a run that is gone). */
  onError?: (error: { code: string; message: string }) => void;
  /**
   * Retention compacted the events this listener still needed (`topic_pruned` with the topic's
   * head): reload the state over REST. The listener goes on from `lastSeq`; events between it and
   * the reloaded state arrive again and must be applied idempotently, as after any snapshot.
   */
  onPruned?: (lastSeq: number) => void;
};

export type LiveSocket = {
  /** Delivers every event of `topic` with seq > `after`, in order, exactly once. Returns the unsubscribe. */
  subscribe(topic: string, handlers: TopicHandlers & { after?: number }): () => void;
  getStatus(): LiveStatus;
  onStatus(listener: () => void): () => void;
  /** Closes the socket and forgets every subscription (tests, sign-out). */
  close(): void;
};

/** `scope`: the sign-in it subscribed in; aborted, the listener hears nothing more. */
type Listener = TopicHandlers & { lastSeq: number; scope: AbortSignal };
type Topic = { listeners: Set<Listener>; position: number; sent: boolean };

/** The listeners of `topic` still to be told anything: those whose sign-in has not ended. */
const listening = (topic: Topic | undefined): Listener[] => [...(topic?.listeners ?? [])].filter((l) => !l.scope.aborted);

type Timers = { setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (id: unknown) => void };

export type LiveSocketOptions = {
  url?: string;
  createSocket?: (url: string) => WebSocket;
  timers?: Timers;
  /** Delay before reconnect attempt `n` (0-based). */
  backoff?: (attempt: number) => number;
  /** Without any frame for this long, the connection is presumed dead (a ping is sent at half of it). */
  idleTimeoutMs?: number;
  random?: () => number;
};

const OPEN = 1;

const credentialListeners = new Set<() => void>();

/** Called whenever a socket is closed with 4401; the app re-checks `/api/me`. Returns the unsubscribe. */
export function onCredentialChanged(listener: () => void): () => void {
  credentialListeners.add(listener);
  return () => credentialListeners.delete(listener);
}

/** The browser's reconnect schedule: 250 ms doubling up to 10 s, jittered. */
export function defaultBackoff(attempt: number, random: () => number = Math.random): number {
  return backoffDelay({ attempt, baseMs: 250, maxMs: 10_000, random });
}

function defaultUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/ws`;
}

export function createLiveSocket(options: LiveSocketOptions = {}): LiveSocket {
  const timers: Timers = options.timers ?? {
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (id) => globalThis.clearTimeout(id as number),
  };
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? ((attempt: number) => defaultBackoff(attempt, random));
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;

  const topics = new Map<string, Topic>();
  const statusListeners = new Set<() => void>();
  let status: LiveStatus = 'idle';
  let socket: WebSocket | null = null;
  let attempt = 0;
  let reconnectTimer: unknown = null;
  let idleTimer: unknown = null;
  let pingTimer: unknown = null;
  let closedForGood = false;

  const setStatus = (next: LiveStatus) => {
    if (next === status) return;
    status = next;
    for (const listener of [...statusListeners]) listener();
  };

  const send = (frame: LiveClientMessage): void => {
    if (socket !== null && socket.readyState === OPEN) socket.send(JSON.stringify(frame));
  };

  const oldestNeeded = (topic: Topic): number => Math.min(...[...topic.listeners].map((l) => l.lastSeq));

  const sendSubscribe = (name: string, topic: Topic): void => {
    topic.position = oldestNeeded(topic);
    topic.sent = true;
    send({ type: 'subscribe', topic: name, after: topic.position });
  };

  const clearTimers = () => {
    for (const timer of [idleTimer, pingTimer]) if (timer !== null) timers.clearTimeout(timer);
    idleTimer = null;
    pingTimer = null;
  };

  /** Any frame proves the connection alive; silence past the idle timeout drops it. */
  const armIdle = () => {
    clearTimers();
    pingTimer = timers.setTimeout(() => send({ type: 'ping' }), idleTimeoutMs / 2);
    idleTimer = timers.setTimeout(() => socket?.close(4000, 'idle'), idleTimeoutMs);
  };

  const scheduleReconnect = () => {
    if (closedForGood || topics.size === 0) {
      setStatus('idle');
      return;
    }
    setStatus('reconnecting');
    if (reconnectTimer !== null) return;
    reconnectTimer = timers.setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, backoff(attempt++));
  };

  const dispatch = (event: JournalEventEnvelope) => {
    const topic = topics.get(event.topic);
    if (topic === undefined) return;
    if (event.seq > topic.position) topic.position = event.seq;
    for (const listener of listening(topic)) {
      if (event.seq <= listener.lastSeq || !topic.listeners.has(listener) || listener.scope.aborted) continue;
      listener.lastSeq = event.seq;
      listener.onEvent(event);
    }
  };

  /** A compacted topic: every listener reloads its state and follows on from the head. */
  const resumeAfterPrune = (name: string, lastSeq: number) => {
    const topic = topics.get(name);
    if (topic === undefined) return;
    for (const listener of listening(topic)) {
      if (listener.lastSeq >= lastSeq) continue;
      listener.lastSeq = lastSeq;
      listener.onPruned?.(lastSeq);
    }
    sendSubscribe(name, topic);
  };

  const onFrame = (data: unknown) => {
    armIdle();
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return;
    }
    const parsed = LiveServerMessage.safeParse(json);
    if (!parsed.success) return;
    const frame = parsed.data;
    switch (frame.type) {
      case 'hello':
        attempt = 0;
        return;
      case 'event':
        dispatch(frame.event);
        return;
      case 'subscribed':
        for (const listener of listening(topics.get(frame.topic))) listener.onSubscribed?.(frame.lastSeq);
        return;
      case 'error':
        if (frame.topic === undefined) return;
        if (frame.code === 'topic_pruned' && frame.lastSeq !== undefined && frame.lastSeq > 0) {
          resumeAfterPrune(frame.topic, frame.lastSeq);
          return;
        }
        for (const listener of listening(topics.get(frame.topic))) listener.onError?.({ code: frame.code, message: frame.message });
        return;
      case 'unsubscribed':
      case 'pong':
        return;
      default: {
        const never: never = frame;
        void never;
      }
    }
  };

  function connect(): void {
    if (socket !== null || closedForGood) return;
    setStatus(attempt === 0 && status === 'idle' ? 'connecting' : 'reconnecting');
    let ws: WebSocket;
    try {
      ws = createSocket(options.url ?? defaultUrl());
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      setStatus('open');
      armIdle();
      for (const [name, topic] of topics) sendSubscribe(name, topic);
    };
    ws.onmessage = (message: MessageEvent) => {
      if (socket === ws) onFrame(message.data);
    };
    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      clearTimers();
      for (const topic of topics.values()) topic.sent = false;
      if (event?.code === LIVE_CLOSE.credentialChanged) {
        // Not a network fault: authenticate again promptly, whatever the backoff had reached.
        attempt = 0;
        for (const listener of [...credentialListeners]) listener();
      }
      scheduleReconnect();
    };
    ws.onerror = () => {
      // A close follows every error; reconnecting happens there.
    };
  }

  // Back online: try now instead of waiting out the backoff.
  if (typeof window !== 'undefined') {
    window.addEventListener('online', () => {
      if (reconnectTimer === null) return;
      timers.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      attempt = 0;
      connect();
    });
  }

  return {
    subscribe(name, { after = 0, ...handlers }) {
      closedForGood = false;
      const listener: Listener = { ...handlers, lastSeq: after, scope: personSignal() };
      let topic = topics.get(name);
      if (topic === undefined) {
        topic = { listeners: new Set(), position: after, sent: false };
        topics.set(name, topic);
      }
      topic.listeners.add(listener);
      if (socket === null) {
        if (reconnectTimer === null) connect();
      } else if (socket.readyState === OPEN && (!topic.sent || after < topic.position)) {
        // New topic, or a listener that needs events the stream already passed: (re)start from there.
        sendSubscribe(name, topic);
      }
      return () => {
        const current = topics.get(name);
        if (current === undefined || !current.listeners.delete(listener)) return;
        if (current.listeners.size > 0) return;
        topics.delete(name);
        send({ type: 'unsubscribe', topic: name });
      };
    },
    getStatus: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      closedForGood = true;
      topics.clear();
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      clearTimers();
      const ws = socket;
      socket = null;
      ws?.close(1000, 'closed');
      setStatus('idle');
    },
  };
}

let shared: LiveSocket | null = null;

/** The app's one socket, created on first use. */
export function getLiveSocket(): LiveSocket {
  shared ??= createLiveSocket();
  return shared;
}

/**
 * Closes the shared socket, forgetting every subscription, and drops it: the next use opens a fresh
 * one. Sign-out (shell/person-state.ts) calls it so nothing keeps following topics as the person who
 * left; tests pass a stand-in.
 */
export function resetLiveSocket(next: LiveSocket | null = null): void {
  shared?.close();
  shared = next;
}

export function useLiveStatus(): LiveStatus {
  const socket = getLiveSocket();
  return useSyncExternalStore(socket.onStatus, socket.getStatus, socket.getStatus);
}

export type UseTopicOptions = {
  /** Deliver events after this seq (the position the caller's snapshot is consistent with). */
  after?: number;
  /** Off until the caller has what it needs to subscribe (a snapshot, its seq). */
  enabled?: boolean;
  onSubscribed?: (lastSeq: number) => void;
  onError?: (error: { code: string; message: string }) => void;
  /** The events after `after` were compacted by retention: reload the state (see `TopicHandlers.onPruned`). */
  onPruned?: (lastSeq: number) => void;
};

/**
 * Follows `topic` while mounted: `onEvent` gets every event after `after`, exactly once, across
 * reconnects. Resubscribes only when the topic (or `enabled`) changes; `after` is read then.
 */
export function useTopic(topic: string | null, onEvent: (event: JournalEventEnvelope) => void, options: UseTopicOptions = {}): void {
  const { enabled = true } = options;
  const latest = useRef({ onEvent, options });
  latest.current = { onEvent, options };
  useEffect(() => {
    if (topic === null || !enabled) return;
    return getLiveSocket().subscribe(topic, {
      after: latest.current.options.after ?? 0,
      onEvent: (event) => latest.current.onEvent(event),
      onSubscribed: (lastSeq) => latest.current.options.onSubscribed?.(lastSeq),
      onError: (error) => latest.current.options.onError?.(error),
      onPruned: (lastSeq) => latest.current.options.onPruned?.(lastSeq),
    });
  }, [topic, enabled]);
}

/**
 * `useTopic`, delivering events in batches at most once per animation frame: a burst of stream
 * deltas becomes one state change and one render. A batch queued by a sign-in that ended before
 * its frame is dropped, not delivered to whoever signed in since.
 */
export function useTopicBatches(topic: string | null, onBatch: (events: JournalEventEnvelope[]) => void, options: UseTopicOptions = {}): void {
  const latest = useRef(onBatch);
  latest.current = onBatch;
  const queue = useRef<{ events: JournalEventEnvelope[]; frame: number | null; scope: AbortSignal | null }>({ events: [], frame: null, scope: null });
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by topic on purpose; a batch queued for the old topic is dropped, not delivered as the new topic's.
  useEffect(
    () => () => {
      const q = queue.current;
      if (q.frame !== null) cancelAnimationFrame(q.frame);
      q.frame = null;
      q.events = [];
    },
    [topic],
  );
  useTopic(
    topic,
    (event) => {
      const q = queue.current;
      const scope = personSignal();
      if (q.scope !== scope) q.events = [];
      q.scope = scope;
      q.events.push(event);
      if (q.frame !== null) return;
      q.frame = requestAnimationFrame(() => {
        q.frame = null;
        const events = q.events;
        q.events = [];
        if (events.length > 0 && q.scope?.aborted === false) latest.current(events);
      });
    },
    options,
  );
}
