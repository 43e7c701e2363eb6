import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { NOTIFICATION_WORKER_SOURCE } from './notification-worker';

/** Waits between reconnects: doubled after each failure up to the last, back to the first once LISTEN is up. */
const BACKOFF_MS = { first: 100, max: 5_000 };
/**
 * A connection that stopped answering without being closed (a cut network sends no RST) would
 * miss notifications silently: it is asked a `SELECT 1` this often, and dropped if that takes longer than the second figure.
 */
const PING = { everyMs: 15_000, timeoutMs: 5_000 };
/** A worker that died (a bug, not a lost connection: the worker reconnects those itself) is started again after this long. */
const RESTART_MS = 1_000;
/** How long `stop()` waits for the worker to end its connection before terminating it. */
const STOP_MS = 2_000;

type WorkerMessage =
  | { kind: 'notification'; channel: string; payload: string }
  | { kind: 'listening' }
  | { kind: 'lost'; error: string; retryInMs: number }
  | { kind: 'stopped' };

export type NotificationListener = {
  /** LISTEN is up on a live connection. */
  readonly listening: boolean;
  /** Connections that reached LISTEN so far (the first and each reconnect). */
  readonly connections: number;
  /**
   * Takes what the worker heard off its port without waiting for the event loop, and hands it to
   * the callbacks on the next tick (never inside the caller's statement). Called after each
   * synchronous statement: under load the main thread spends most of its time blocked in them.
   */
  drain(): void;
  /**
   * Hands over at once what `drain()` took, for a caller at a point as good as the end of a tick
   * (the runner gateway after each frame: one socket read can carry several, each a run of
   * statements, and the next tick would come after all of them).
   */
  settle(): void;
  /** Closes the connection; no reconnect after it. */
  stop(): Promise<void>;
};

/**
 * LISTENs on `channels` from a worker thread (notification-worker.ts), which reconnects with
 * backoff when the connection is lost (PostgreSQL restarted, the backend terminated, the network
 * cut). `onConnected` runs each time LISTEN is up again, after which nothing committed is announced
 * to a connection that missed it: the caller catches up by reading (a NOTIFY sent while no
 * connection listened is lost).
 *
 * A connection on the main thread would be read only when the event loop comes back to it; under
 * load that is after every other ready socket's callbacks, each running synchronous statements
 * (tens of milliseconds). The worker hears a notification at once, and `drain()` takes it at the
 * next statement the main thread runs.
 */
export async function startNotificationListener({
  url,
  applicationName,
  channels,
  onNotification,
  onConnected,
  log,
  workerSource = NOTIFICATION_WORKER_SOURCE,
}: {
  url: string;
  /** Shown in pg_stat_activity (`application_name`), so an operator can tell this connection from the server's statements. */
  applicationName: string;
  channels: readonly string[];
  onNotification(channel: string, payload: string): void;
  onConnected(): void;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** The worker's code: tests wrap it to make the worker fail. */
  workerSource?: string;
}): Promise<NotificationListener> {
  // In the URL: pg lets the URL's own parameters win over the options beside it.
  const named = (() => {
    const u = new URL(url);
    u.searchParams.set('application_name', applicationName);
    return u.toString();
  })();
  // Resolved here, loaded only in the worker: a server on SQLite never loads pg at all.
  const driver = createRequire(import.meta.url).resolve('pg');
  let stopped = false;
  let listening = false;
  let connections = 0;
  let current: { worker: Worker; port: MessagePort } | null = null;
  let restart: NodeJS.Timeout | undefined;
  /** Taken off the port by `drain()`, handed over on the next tick. */
  const held: WorkerMessage[] = [];
  let scheduled = false;
  let onStopped: (() => void) | null = null;

  const handle = (message: WorkerMessage) => {
    switch (message.kind) {
      case 'notification':
        try {
          onNotification(message.channel, message.payload);
        } catch (err) {
          log.error({ err, channel: message.channel }, 'notification handler failed');
        }
        return;
      case 'listening':
        listening = true;
        connections++;
        try {
          onConnected();
        } catch (err) {
          log.error({ err }, 'catch-up after LISTEN failed');
        }
        return;
      case 'lost':
        listening = false;
        log.warn({ err: { message: message.error }, retryInMs: message.retryInMs }, 'journal LISTEN connection lost; reconnecting');
        return;
      case 'stopped':
        onStopped?.();
        return;
    }
  };
  const handOver = () => {
    scheduled = false;
    // One at a time: a callback's own statements may drain more onto the end.
    for (let message = held.shift(); message; message = held.shift()) handle(message);
  };

  function spawn(): void {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { port: port2, url: named, channels, driver, backoff: BACKOFF_MS, ping: PING },
      transferList: [port2],
    });
    current = { worker, port: port1 };
    worker.unref();
    port1.on('message', (message: WorkerMessage) => {
      // What `drain()` took earlier comes first: the port's order is the worker's.
      handOver();
      handle(message);
    });
    port1.unref();
    worker.on('error', (err) => log.error({ err }, 'the LISTEN worker failed'));
    worker.on('exit', () => {
      if (current?.worker !== worker) return;
      current = null;
      listening = false;
      port1.close();
      onStopped?.();
      if (stopped) return;
      log.warn({ retryInMs: RESTART_MS }, 'the LISTEN worker stopped; starting it again');
      restart = setTimeout(spawn, RESTART_MS);
      restart.unref();
    });
  }

  spawn();
  return {
    get listening() {
      return listening;
    },
    get connections() {
      return connections;
    },
    drain() {
      const port = current?.port;
      if (!port) return;
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) held.push(m.message as WorkerMessage);
      if (held.length > 0 && !scheduled) {
        scheduled = true;
        process.nextTick(handOver);
      }
    },
    settle() {
      if (held.length > 0) handOver();
    },
    async stop() {
      stopped = true;
      clearTimeout(restart);
      listening = false;
      const running = current;
      if (!running) return;
      const ended = new Promise<void>((resolve) => {
        onStopped = resolve;
      });
      running.port.postMessage({ kind: 'stop' });
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, STOP_MS).unref());
      await Promise.race([ended, timeout]);
      current = null;
      running.port.close();
      await running.worker.terminate();
    },
  };
}
