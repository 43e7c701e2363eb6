import { eventViewFor } from '../journal/topics';
import { LIVE_CLOSE, LIVE_PROTOCOL_VERSION, LiveClientMessage, decodeClientFrame, type JournalEventEnvelope, type LiveServerMessage } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth/principal';
import { corkedWrites } from '../http/corked-writes';
import { AppError } from '../http/errors';
import { closeGracefully } from './graceful-close';

const REPLAY_PAGE = 500;
const MAX_CLIENT_FRAME = 64 * 1024;
/** A page subscribes to a handful of topics; the cap keeps one socket's bookkeeping bounded. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 200;

/** `topic_pruned`: where following the topic works again (its head), for the client's resubscribe. */
const replayFrom = (e: AppError): { lastSeq?: number } => {
  const lastSeq = (e.details as { lastSeq?: unknown } | undefined)?.lastSeq;
  return e.code === 'topic_pruned' && typeof lastSeq === 'number' ? { lastSeq } : {};
};

type Subscription = { lastSeq: number; replaying: boolean; stop: () => void };

const sameScopes = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');

/** Whether a socket may go on as `now`: the same person, still enabled, with the same role and scopes. */
export function samePrincipal(then: Principal | null, now: Principal | null): boolean {
  if (then === null || now === null) return then === now;
  if (then.type !== 'user' || now.type !== 'user') return then.type === now.type;
  return then.id === now.id && then.role === now.role && sameScopes(then.scopes, now.scopes);
}

const CREDENTIAL_CHANGED = 'credential ended or its account changed: reconnect to authenticate again';

/**
 * An event's frame, encoded once however many sockets it goes to: the bus hands every subscriber
 * the same event object, and stringifying and encoding it per socket was most of the fan-out's cost.
 */
const eventFrames = new WeakMap<JournalEventEnvelope, Buffer>();
function eventFrame(event: JournalEventEnvelope): Buffer {
  let frame = eventFrames.get(event);
  if (frame === undefined) {
    frame = Buffer.from(JSON.stringify({ type: 'event', event } satisfies LiveServerMessage));
    eventFrames.set(event, frame);
  }
  return frame;
}

/**
 * Browser socket: subscribe to a topic from `after`, get the stored events, then live ones, with no
 * gap and no duplicate. The hand-off works because the last replay read and the switch to live run
 * in one synchronous step, and every live event is checked against the subscription's last seq.
 *
 * A socket that stops reading costs at most `liveMaxBufferedBytes`: the frame that would pass it is
 * not queued; the socket is detached from every topic at once (later events cost it nothing) and
 * closed with 4008 behind what it has buffered, then terminated once it drains nothing for
 * `liveCloseGraceMs`.
 *
 * The socket keeps the credential it opened with and resolves it again, as every HTTP request does,
 * before each subscribe and on each heartbeat tick, and at once when this server changes the
 * person's access (auth/credential-changes.ts). When it has ended (sign-out, revoked, deleted,
 * expired), its person is disabled, or their role or scopes changed, the socket closes with 4401
 * (`LIVE_CLOSE.credentialChanged`): the client reconnects and authenticates again.
 */
const liveSocket: FastifyPluginAsync = async (app) => {
  const { journal, topics, live: stats } = app;
  const { liveHeartbeatMs, liveMaxBufferedBytes, liveCloseGraceMs } = app.config;

  /** Each open socket, with the person it acts for and its re-check. */
  const sockets = new Map<WebSocket, { userId: string | null; recheck: () => boolean }>();
  const stopListening = app.auth.changes.listen((userId) => {
    for (const watched of sockets.values()) if (watched.userId === userId) watched.recheck();
  });
  app.addHook('preClose', async () => {
    for (const socket of sockets.keys()) socket.close(LIVE_CLOSE.shuttingDown, 'server shutting down');
    await new Promise((r) => setTimeout(r, sockets.size > 0 ? 100 : 0));
    for (const socket of sockets.keys()) socket.terminate();
  });
  app.addHook('onClose', async () => stopListening());

  const readJournal = (topic: string, after: number, limit: number): JournalEventEnvelope[] => {
    const events = journal.read(topic, after, limit);
    stats.journalReads++;
    stats.eventsRead += events.length;
    return events;
  };

  app.get('/ws', { websocket: true }, (socket: WebSocket, request) => {
    const { principal } = request;
    const credential = app.auth.credentialOf(request);
    stats.sockets++;
    const subs = new Map<string, Subscription>();
    let alive = true;
    let closed = false;
    let stopCloseWatch = () => {};

    const detach = () => {
      for (const sub of subs.values()) sub.stop();
      subs.clear();
    };

    /** Nothing is sent after this: the close frame is the last thing the peer reads. */
    const close = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      detach();
      if (code === LIVE_CLOSE.slowConsumer) stats.slowClosed++;
      stopCloseWatch = closeGracefully(socket, { code, reason, graceMs: liveCloseGraceMs, onTerminate: () => stats.terminated++ });
    };

    /** False, and the socket closing with 4401, once its credential no longer gives the principal it opened with. */
    const recheck = (): boolean => {
      if (closed) return false;
      let now: Principal | null = null;
      try {
        now = credential === null ? null : app.auth.resolve(credential);
      } catch (err) {
        app.log.warn({ err }, 'live socket: re-checking the credential failed; closing it');
      }
      if (samePrincipal(principal, now)) return true;
      close(LIVE_CLOSE.credentialChanged, CREDENTIAL_CHANGED);
      return false;
    };
    sockets.set(socket, { userId: principal?.type === 'user' ? principal.id : null, recheck });

    const beforeWrite = corkedWrites(socket);
    const sendFrame = (frame: string | Buffer): boolean => {
      if (closed || socket.readyState !== socket.OPEN) return false;
      // Never past the bound (an empty buffer takes any one frame, or a large event could never go).
      const buffered = socket.bufferedAmount;
      if (buffered > 0 && buffered + frame.length > liveMaxBufferedBytes) {
        close(LIVE_CLOSE.slowConsumer, 'slow consumer: send buffer full; reconnect and resubscribe with after');
        return false;
      }
      beforeWrite(frame.length);
      socket.send(frame, { binary: false });
      return true;
    };
    const send = (msg: LiveServerMessage): boolean => sendFrame(JSON.stringify(msg));
    // This socket's view: which chats its person may see, and whose they are, is asked once per chat
    // (bounded), and an event they may not see whole has one hidden form shared by every such
    // socket, frame included.
    const view = eventViewFor(principal, app.chatVisibility.viewer(principal), app.toolReaders.viewer(principal));
    const sendEvent = (event: JournalEventEnvelope): boolean => sendFrame(eventFrame(view(event)));

    const deliver = (sub: Subscription, event: JournalEventEnvelope) => {
      if (closed || event.seq <= sub.lastSeq) return; // closing, or a duplicate of what replay already sent
      if (event.seq > sub.lastSeq + 1) {
        // A gap can only mean events we have not seen yet are committed: read them in order.
        for (const missed of readJournal(event.topic, sub.lastSeq, event.seq - sub.lastSeq - 1)) {
          if (!sendEvent(missed)) return;
          sub.lastSeq = missed.seq;
        }
      }
      if (sendEvent(event)) sub.lastSeq = event.seq;
    };

    const waitForBuffer = async () => {
      const deadline = Date.now() + 10_000;
      while (!closed && socket.bufferedAmount > liveMaxBufferedBytes / 2) {
        if (Date.now() > deadline) {
          close(LIVE_CLOSE.slowConsumer, 'slow consumer: replay not read; reconnect and resubscribe with after');
          return;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    const subscribe = async (topic: string, after: number, id: string | number | undefined) => {
      subs.get(topic)?.stop();
      const sub: Subscription = { lastSeq: after, replaying: true, stop: () => {} };
      const unsubscribe = journal.subscribe(topic, (event) => {
        if (!sub.replaying) deliver(sub, event);
      });
      sub.stop = unsubscribe;
      subs.set(topic, sub);
      send({ type: 'subscribed', id, topic, lastSeq: journal.lastSeq(topic) });
      for (;;) {
        if (closed || subs.get(topic) !== sub) return;
        const page = readJournal(topic, sub.lastSeq, REPLAY_PAGE);
        let waited = false;
        for (const event of page) {
          // Half full: let the reader catch up rather than fill the buffer with one page of large events.
          if (socket.bufferedAmount > liveMaxBufferedBytes / 2) {
            await waitForBuffer();
            waited = true;
            if (closed || subs.get(topic) !== sub) return;
          }
          if (!sendEvent(event)) return;
          sub.lastSeq = event.seq;
        }
        if (page.length < REPLAY_PAGE && !waited) {
          sub.replaying = false; // same tick as the last read: nothing can slip between
          return;
        }
        if (!waited) await waitForBuffer();
      }
    };

    const onMessage = (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      alive = true;
      if (closed) return; // a subscribe now would attach a topic to a socket that is going away
      const size = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw.byteLength;
      if (size > MAX_CLIENT_FRAME) {
        send({ type: 'error', id: null, code: 'frame_too_large', message: `frames are limited to ${MAX_CLIENT_FRAME} bytes` });
        return;
      }
      const frame = decodeClientFrame(LiveClientMessage, isBinary ? null : String(raw));
      if (!frame.ok) {
        send(frame.reply);
        return;
      }
      const msg = frame.message;
      switch (msg.type) {
        case 'subscribe': {
          // Who the socket acts for may have changed since it opened: a changed one gets no answer but the close.
          if (!recheck()) return;
          try {
            topics.assertReadable(msg.topic, principal);
            topics.assertReplayable({ topic: msg.topic, after: msg.after ?? 0, lastSeq: journal.lastSeq(msg.topic) });
          } catch (err) {
            const e = err instanceof AppError ? err : new AppError(400, 'bad_request', 'cannot subscribe');
            send({ type: 'error', id: msg.id ?? null, topic: msg.topic, code: e.code, message: e.message, ...replayFrom(e) });
            return;
          }
          if (!subs.has(msg.topic) && subs.size >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
            const message = `a socket may hold at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions; unsubscribe first`;
            send({ type: 'error', id: msg.id ?? null, topic: msg.topic, code: 'too_many_subscriptions', message });
            return;
          }
          subscribe(msg.topic, msg.after ?? 0, msg.id).catch((err) => app.log.error({ err }, 'live replay failed'));
          return;
        }
        case 'unsubscribe':
          subs.get(msg.topic)?.stop();
          subs.delete(msg.topic);
          send({ type: 'unsubscribed', id: msg.id, topic: msg.topic });
          return;
        case 'ping':
          send({ type: 'pong', id: msg.id });
          return;
        default: {
          const never: never = msg;
          void never;
        }
      }
    };

    socket.on('message', onMessage);
    socket.on('pong', () => (alive = true));
    socket.on('error', (err) => app.log.debug({ err }, 'live socket error'));
    const heartbeat = setInterval(() => {
      // Closing already: the close watch ends it; a terminate here would hide the close code.
      if (closed) return;
      if (!recheck()) return;
      if (!alive) {
        closed = true;
        detach();
        stats.terminated++;
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, liveHeartbeatMs);
    socket.on('close', () => {
      sockets.delete(socket);
      stats.sockets--;
      closed = true;
      clearInterval(heartbeat);
      stopCloseWatch();
      detach();
    });
    send({ type: 'hello', version: LIVE_PROTOCOL_VERSION });
  });
};

export default liveSocket;
