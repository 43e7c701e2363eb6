import { decodeRunnerClientFrame, RUNNER_PROTOCOL_VERSION, type RunnerServerMessage as ServerMsg } from '@weft/shared';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { isStorageError, storageReason } from '../db/storage-errors';
import { corkedWrites } from '../http/corked-writes';
import { AppError } from '../http/errors';
import type { ConnectedRunner, SendWhen } from './dispatcher';

/**
 * What a frame becomes when the write it reports did not become durable (rolled back, or its WAL
 * sync failed). An `ack` turns into `reject { code: "storage_unavailable" }`, which makes the
 * runner resend from its last acknowledged seq; frames that promise nothing are sent anyway;
 * frames that promise a rolled-back write (a grant, a renewal, a cancel) are dropped: the lease
 * they name is not the runner's, or expires on its own.
 */
function onWriteFailed(msg: ServerMsg, err: unknown): ServerMsg | null {
  switch (msg.type) {
    case 'ack':
      return {
        type: 'reject',
        id: msg.id,
        executionId: msg.executionId,
        attempt: msg.attempt,
        code: 'storage_unavailable',
        message: `events not stored: ${storageReason(err)}; resend them`,
      };
    case 'reject':
    case 'error':
    case 'welcome':
    case 'tools':
    case 'notified':
      return msg;
    case 'lease':
    case 'heartbeat_ack':
    case 'cancel':
      return null;
    default: {
      const never: never = msg;
      return never;
    }
  }
}

/** The `error` frame a failed `notify` is answered with: its code is what the step fails with. */
function notifyFailure({ id, err, log }: { id: string | number; err: unknown; log: FastifyBaseLogger }): ServerMsg {
  if (err instanceof AppError) return { type: 'error', id, code: err.code, message: err.message };
  if (isStorageError(err)) return { type: 'error', id, code: 'storage_unavailable', message: `not delivered: ${storageReason(err)}` };
  log.error({ err }, 'notify delivery failed');
  return { type: 'error', id, code: 'internal', message: 'the server could not deliver this notification' };
}

/**
 * `/ws/runner`: parse -> dispatch by type -> reply with the same id. Auth and Origin are checked
 * in onRequest (auth plugin). Listeners are attached before anything async; state lives in the
 * connection closure; an invalid frame gets an error frame, never a crash.
 */
const runnerGateway: FastifyPluginAsync = async (app) => {
  const { dispatcher, ingest, runnerLeft } = app.engine;
  const { journal } = app;
  const { runnerHeartbeatMs, leaseMs } = app.config;

  const sockets = new Set<WebSocket>();
  app.addHook('preClose', async () => {
    // Runners reconnect and keep their leases if the server is back before they expire.
    for (const socket of sockets) socket.close(1001, 'server shutting down');
    await new Promise((r) => setTimeout(r, sockets.size > 0 ? 100 : 0));
    for (const socket of sockets) socket.terminate();
  });

  app.get('/ws/runner', { websocket: true }, (socket: WebSocket) => {
    sockets.add(socket);
    let runner: ConnectedRunner | null = null;
    let alive = true;
    /** Aborts deliveries still in flight (a Slack post) when the socket goes. */
    const closed = new AbortController();

    // A batch's acks and grants for this runner leave in one write.
    const beforeWrite = corkedWrites(socket);
    const write = (frame: string) => {
      if (socket.readyState !== socket.OPEN) return;
      beforeWrite(frame.length);
      socket.send(frame);
    };
    const send = (msg: ServerMsg, when: SendWhen = 'durable') => {
      if (socket.readyState !== socket.OPEN) throw new Error('runner socket is not open');
      // Typed by the protocol (RunnerServerMessage); the runner validates what it receives.
      const frame = JSON.stringify(msg);
      // A lease or an ack promises the write behind it: send once that write is durable (or, when
      // the caller says losing it is harmless, committed).
      (when === 'committed' ? journal.afterCommitted : journal.afterCommit)(
        () => write(frame),
        (err) => {
          const instead = onWriteFailed(msg, err);
          if (instead) write(instead === msg ? frame : JSON.stringify(instead));
        },
      );
    };
    const sendSafe = (msg: ServerMsg) => {
      try {
        send(msg);
      } catch {
        /* socket closing: leases expire on their own */
      }
    };

    const onFrame = (raw: RawData, isBinary: boolean) => {
      alive = true;
      const decoded = decodeRunnerClientFrame(isBinary ? null : String(raw));
      if (!decoded.ok) {
        sendSafe(decoded.reply);
        return;
      }
      const msg = decoded.message;
      try {
        switch (msg.type) {
          case 'hello': {
            if (msg.protocolVersion !== RUNNER_PROTOCOL_VERSION) {
              sendSafe({ type: 'error', id: msg.id ?? null, code: 'unsupported_protocol', message: `server speaks protocol ${RUNNER_PROTOCOL_VERSION}` });
              socket.close(4400, 'unsupported protocol');
              return;
            }
            if (runner) dispatcher.unregister(runner.runnerId, runner);
            runner = { runnerId: msg.runnerId, name: msg.name, capacity: msg.capacity, send, lastSeenAt: app.clock.now().getTime() };
            sendSafe({ type: 'welcome', id: msg.id, runnerId: msg.runnerId, heartbeatMs: runnerHeartbeatMs, leaseMs });
            dispatcher.register(runner);
            return;
          }
          case 'heartbeat': {
            if (!runner) return sendSafe({ type: 'error', id: msg.id ?? null, code: 'not_welcomed', message: 'send hello first' });
            const lost = dispatcher.renew(runner.runnerId, msg.leases);
            sendSafe({ type: 'heartbeat_ack', id: msg.id, lost });
            return;
          }
          case 'events': {
            if (!runner) return sendSafe({ type: 'error', id: msg.id ?? null, code: 'not_welcomed', message: 'send hello first' });
            const result = ingest({ runnerId: runner.runnerId, executionId: msg.executionId, attempt: msg.attempt, events: msg.events });
            if (result.type === 'ack') {
              sendSafe({ type: 'ack', id: msg.id, executionId: msg.executionId, attempt: msg.attempt, seq: result.seq });
              if (result.gapAt !== undefined) {
                sendSafe({
                  type: 'reject',
                  id: msg.id,
                  executionId: msg.executionId,
                  attempt: msg.attempt,
                  code: 'seq_gap',
                  message: `expected seq ${result.seq + 1}, got ${result.gapAt}`,
                });
              }
            } else {
              sendSafe({ type: 'reject', id: msg.id, executionId: msg.executionId, attempt: msg.attempt, code: result.code, message: result.message });
            }
            return;
          }
          case 'tools_list': {
            // The runner credential may not list tools over HTTP: the socket it holds answers instead.
            const tools = app.tools
              .list({ workflowContext: true })
              .map(({ name, description, inputSchema, destructive }) => ({ name, description, inputSchema, destructive }));
            sendSafe({ type: 'tools', id: msg.id, tools });
            return;
          }
          case 'notify': {
            if (!runner) return sendSafe({ type: 'error', id: msg.id, code: 'not_welcomed', message: 'send hello first' });
            // Answered when delivered (a channel post is a network call); the step waits for it.
            void app.notifications.deliver({ runnerId: runner.runnerId, request: msg, signal: closed.signal }).then(
              (delivered) => sendSafe({ type: 'notified', id: msg.id, delivered }),
              (err: unknown) => sendSafe(notifyFailure({ id: msg.id, err, log: app.log })),
            );
            return;
          }
          default: {
            const never: never = msg;
            void never;
          }
        }
      } catch (err) {
        if (isStorageError(err)) {
          app.storage.failed(err);
          app.log.warn({ err, type: msg.type }, 'runner frame not stored: storage failed');
          // Nothing of the frame was stored: the runner resends its events (a heartbeat is simply
          // unanswered, and the lease is renewed by a later one or fenced by the runner itself).
          if (msg.type === 'events') {
            sendSafe({
              type: 'reject',
              id: msg.id,
              executionId: msg.executionId,
              attempt: msg.attempt,
              code: 'storage_unavailable',
              message: `events not stored: ${storageReason(err)}`,
            });
          } else {
            sendSafe({ type: 'error', id: msg.id ?? null, code: 'storage_unavailable', message: `not stored: ${storageReason(err)}` });
          }
          return;
        }
        app.log.error({ err, type: msg.type }, 'runner frame failed');
        sendSafe({ type: 'error', id: msg.id ?? null, code: 'internal', message: 'the server could not process this frame' });
      }
    };
    socket.on('message', (raw, isBinary) => {
      onFrame(raw, isBinary);
      // One socket read can carry several frames, each ingested in its own run of statements:
      // other servers' events heard meanwhile go out now, not after the last of them.
      app.cluster.settle();
    });
    socket.on('pong', () => (alive = true));
    socket.on('error', (err) => app.log.warn({ err }, 'runner socket error'));
    const keepalive = setInterval(
      () => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      },
      Math.max(runnerHeartbeatMs * 3, 1000),
    );
    socket.on('close', () => {
      sockets.delete(socket);
      closed.abort();
      clearInterval(keepalive);
      // Leases stay until they expire: a runner that reconnects in time keeps its work.
      if (!runner) return;
      dispatcher.unregister(runner.runnerId, runner);
      try {
        runnerLeft(runner.runnerId);
      } catch (err) {
        app.log.warn({ err, runnerId: runner.runnerId }, 'could not store the turns a runner that left was streaming');
      }
    });
  });
};

export default runnerGateway;
