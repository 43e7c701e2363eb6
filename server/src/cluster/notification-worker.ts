/**
 * The worker thread behind a `NotificationListener`: it owns one `pg` client that LISTENs on the
 * channels and reconnects with backoff when the connection is lost, and posts what it hears to the
 * main thread's port. On its own thread it hears a NOTIFY while the main thread is blocked in a
 * synchronous statement (`Atomics.wait`, db/postgres/sync-connection.ts); the main thread takes
 * the notifications off the port after each statement (`drain`), not only when its event loop
 * comes back to the port.
 *
 * CommonJS for an eval worker (as db/postgres/sync-worker.ts): no TypeScript loader is needed
 * under tsx, vitest or the esbuild bundle; `pg` is required by the path resolved on the main thread.
 *
 * Messages to the main thread: `{ kind: 'notification', channel, payload }`, `{ kind: 'listening' }`
 * (LISTEN is up, the first time and after each reconnect), `{ kind: 'lost', error, retryInMs }`,
 * `{ kind: 'stopped' }` (the answer to `{ kind: 'stop' }`).
 */
export const NOTIFICATION_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, url, channels, driver, backoff: BACKOFF, ping: PING } = workerData;
const pg = require(driver);
let client = null;
let stopped = false;
let backoff = BACKOFF.first;
let retry;
const send = (message) => port.postMessage(message);
const describe = (err) => String((err && err.message) || err);

const ping = setInterval(() => {
  const current = client;
  if (!current || !current.weftListening) return;
  const timeout = setTimeout(() => lost(current, new Error('no answer to a ping in ' + PING.timeoutMs + ' ms')), PING.timeoutMs);
  current
    .query('SELECT 1')
    .catch((err) => lost(current, err))
    .finally(() => clearTimeout(timeout));
}, PING.everyMs);

function lost(from, err) {
  if (client !== from) return;
  client = null;
  from.removeAllListeners('notification');
  from.end().catch(() => {});
  if (stopped) return;
  send({ kind: 'lost', error: describe(err), retryInMs: backoff });
  retry = setTimeout(connect, backoff);
  backoff = Math.min(backoff * 2, BACKOFF.max);
}

function connect() {
  if (stopped) return;
  const next = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10000 });
  client = next;
  next.on('error', (err) => lost(next, err));
  next.on('end', () => lost(next, new Error('connection ended')));
  next.on('notification', (msg) => {
    if (client === next) send({ kind: 'notification', channel: msg.channel, payload: msg.payload || '' });
  });
  next
    .connect()
    .then(() => next.query(channels.map((c) => 'LISTEN ' + pg.escapeIdentifier(c)).join('; ')))
    .then(() => {
      if (client !== next || stopped) return;
      next.weftListening = true;
      backoff = BACKOFF.first;
      send({ kind: 'listening' });
    })
    .catch((err) => lost(next, err));
}

port.on('message', (message) => {
  if (message.kind !== 'stop' || stopped) return;
  stopped = true;
  clearTimeout(retry);
  clearInterval(ping);
  const current = client;
  client = null;
  Promise.resolve(current && current.end().catch(() => {})).then(() => {
    send({ kind: 'stopped' });
    port.close();
  });
});

connect();
`;
