/**
 * The worker thread behind a `SyncConnection`: it owns one `pg` client and answers one query at a
 * time. The main thread posts a request on its port and blocks in `Atomics.wait` on `signal[0]`;
 * the worker posts the reply, then sets `signal[0]` to 1 and notifies. The reply carries the
 * connection's transaction status from PostgreSQL's last ReadyForQuery ('I' idle, 'T' in a
 * transaction, 'E' in a failed one), so the main thread knows `inTransaction` exactly.
 *
 * CommonJS for an eval worker (as db/checkpointer.ts): no TypeScript loader is needed under tsx,
 * vitest or the esbuild bundle; `pg` is required by the path resolved on the main thread.
 * int8 and numeric columns are parsed to numbers (ids and seqs are safe integers; counts too), and
 * booleans to 1/0, as SQLite gives them.
 */
export const SYNC_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, signal: buffer, url, connectTimeoutMs, session } = workerData;
const signal = new Int32Array(buffer);
let pg;
try {
  pg = require(workerData.driver);
} catch (err) {
  port.postMessage({ id: 0, ok: false, error: { message: 'cannot load pg: ' + (err && err.message), code: 'worker_failed' }, status: 'I' });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
  throw err;
}
const BOOL = 16, INT8 = 20, NUMERIC = 1700, BYTEA = 17;
const toNumber = (v) => (v === null ? null : Number(v));
// SQLite has no booleans: comparisons give 1 or 0, and the server's code expects numbers.
const toFlag = (v) => (v === null ? null : v === 't' || v === 'true' ? 1 : 0);
const types = {
  getTypeParser(oid, format) {
    if (format === 'text' || format === undefined) {
      if (oid === INT8 || oid === NUMERIC) return toNumber;
      if (oid === BOOL) return toFlag;
    }
    return pg.types.getTypeParser(oid, format);
  },
};
let status = 'I';
let broken = null;
const client = new pg.Client({ connectionString: url, types, connectionTimeoutMillis: connectTimeoutMs });
client.connection.on('readyForQuery', (msg) => { status = msg.status; });
client.on('error', (err) => { broken = err; });

const reply = (message) => {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
};
const errorOf = (err) => ({
  message: String((err && err.message) || err),
  code: err && err.code,
  detail: err && err.detail,
  constraint: err && err.constraint,
});
const toParam = (v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);

// Requests arrive one at a time: the main thread is blocked until each is answered.
let chain = Promise.resolve();
port.on('message', (req) => {
  chain = chain.then(() => handle(req));
});

async function handle(req) {
  if (req.type === 'ping') {
    reply({ id: req.id, ok: true, status });
    return;
  }
  if (req.type === 'close') {
    try { await client.end(); } catch {}
    reply({ id: req.id, ok: true, status: 'I' });
    port.close();
    return;
  }
  if (broken) {
    reply({ id: req.id, ok: false, error: { message: 'the PostgreSQL connection was lost: ' + broken.message, code: 'connection_lost' }, status });
    return;
  }
  try {
    const result = await client.query({ text: req.text, values: req.values ? req.values.map(toParam) : undefined });
    // A multi-statement script (exec) answers with one result per statement: the last one counts.
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    const bytea = [];
    for (const f of (last && last.fields) || []) if (f.dataTypeID === BYTEA) bytea.push(f.name);
    reply({ id: req.id, ok: true, rows: last ? last.rows : [], rowCount: last ? last.rowCount : 0, command: last ? last.command : null, bytea, status });
  } catch (err) {
    reply({ id: req.id, ok: false, error: errorOf(err), status });
  }
}

// Nothing may die silently: the main thread would wait for a reply until its timeout.
process.on('uncaughtException', (err) => {
  broken = err;
  reply({ id: -1, ok: false, error: { message: 'the PostgreSQL worker failed: ' + errorOf(err).message, code: 'worker_failed' }, status });
});

// The session's time limits, set by SET rather than in the startup message: a pooler in session
// mode (PgBouncer) refuses startup parameters it does not know, and passes SET through.
const settings = Object.entries(session)
  .map(([name, ms]) => 'SET ' + name + ' = ' + Math.max(0, Math.round(Number(ms))))
  .join('; ');
client.connect().then(() => client.query(settings)).then(
  () => reply({ id: 0, ok: true, status }),
  (err) => {
    client.end().catch(() => {});
    reply({ id: 0, ok: false, error: errorOf(err), status });
  },
);
`;
