import type pg from 'pg';

/** Waits between reconnects: doubled after each failure up to the last, back to the first once LISTEN is up. */
const BACKOFF_MS = { first: 100, max: 5_000 };
/**
 * A connection that stopped answering without being closed (a cut network sends no RST) would
 * miss notifications silently: it is asked a `SELECT 1` this often, and dropped if that takes longer than the second figure.
 */
const PING = { everyMs: 15_000, timeoutMs: 5_000 };

export type NotificationListener = {
  /** LISTEN is up on a live connection. */
  readonly listening: boolean;
  /** Connections that reached LISTEN so far (the first and each reconnect). */
  readonly connections: number;
  /** Closes the connection; no reconnect after it. */
  stop(): Promise<void>;
};

/**
 * One async `pg` connection on the main thread (not the sync worker's, whose statements block the
 * thread) that LISTENs on `channels` and reconnects with backoff when it is lost (PostgreSQL
 * restarted, the backend terminated, the network cut). `onConnected` runs each time LISTEN is up
 * again, after which nothing committed is announced to a connection that missed it: the caller
 * catches up by reading (a NOTIFY sent while no connection listened is lost).
 */
export async function startNotificationListener({
  url,
  applicationName,
  channels,
  onNotification,
  onConnected,
  log,
}: {
  url: string;
  /** Shown in pg_stat_activity (`application_name`), so an operator can tell this connection from the server's statements. */
  applicationName: string;
  channels: readonly string[];
  onNotification(channel: string, payload: string): void;
  onConnected(): void;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}): Promise<NotificationListener> {
  // Loaded here, not at the top: a server on SQLite never needs pg, and merely loading it costs about
  // 12 MiB (its runtime check touches `globalThis.Response`, which loads node's bundled undici).
  const { default: pgDriver } = await import('pg');
  // In the URL: pg lets the URL's own parameters win over the options beside it.
  const named = (() => {
    const u = new URL(url);
    u.searchParams.set('application_name', applicationName);
    return u.toString();
  })();
  let client: pg.Client | null = null;
  let stopped = false;
  let listening = false;
  let connections = 0;
  let backoff = BACKOFF_MS.first;
  let retry: NodeJS.Timeout | undefined;
  const ping = setInterval(() => {
    const current = client;
    if (!current || !listening) return;
    const timeout = setTimeout(() => lost(current, new Error(`no answer to a ping in ${PING.timeoutMs} ms`)), PING.timeoutMs);
    current
      .query('SELECT 1')
      .catch((err: unknown) => lost(current, err))
      .finally(() => clearTimeout(timeout));
  }, PING.everyMs);
  ping.unref();

  const lost = (from: pg.Client, err: unknown) => {
    if (client !== from) return;
    client = null;
    listening = false;
    from.removeAllListeners('notification');
    from.end().catch(() => {});
    if (stopped) return;
    log.warn({ err, retryInMs: backoff }, 'journal LISTEN connection lost; reconnecting');
    retry = setTimeout(connect, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, BACKOFF_MS.max);
  };

  function connect(): void {
    if (stopped) return;
    const next = new pgDriver.Client({ connectionString: named, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client = next;
    next.on('error', (err) => lost(next, err));
    next.on('end', () => lost(next, new Error('connection ended')));
    next.on('notification', (msg) => {
      if (client !== next) return;
      try {
        onNotification(msg.channel, msg.payload ?? '');
      } catch (err) {
        log.error({ err, channel: msg.channel }, 'notification handler failed');
      }
    });
    next
      .connect()
      .then(() => next.query(channels.map((c) => `LISTEN ${pgDriver.escapeIdentifier(c)}`).join('; ')))
      .then(() => {
        if (client !== next || stopped) return;
        listening = true;
        connections++;
        backoff = BACKOFF_MS.first;
        try {
          onConnected();
        } catch (err) {
          log.error({ err }, 'catch-up after LISTEN failed');
        }
      })
      .catch((err: unknown) => lost(next, err));
  }

  connect();
  return {
    get listening() {
      return listening;
    },
    get connections() {
      return connections;
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      const current = client;
      client = null;
      listening = false;
      if (current) await current.end().catch(() => {});
    },
  };
}
