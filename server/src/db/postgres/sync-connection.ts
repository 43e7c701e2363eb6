import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { abbreviate } from './dialect';
import { SYNC_WORKER_SOURCE } from './sync-worker';

/** A COMMIT (or its synonym END), as written by the caller. */
const COMMIT = /^\s*(COMMIT|END)\b/i;

/**
 * How long one statement may run: PostgreSQL's own `statement_timeout`, which cancels it (SQLSTATE
 * 57014) and keeps the session. A canceled statement frees the locks it held or waited for; a
 * statement only this thread gave up on would run on in PostgreSQL, holding them.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * How much longer than the statement timeout this thread waits for an answer: PostgreSQL's cancel
 * comes first; only a database (or network) that does not answer at all is given up on, and the
 * connection is then closed.
 */
const CANCEL_GRACE_MS = 3_000;
/**
 * A session idle inside an open transaction this long is ended by PostgreSQL, which rolls the
 * transaction back and frees its row locks. The server's transactions never wait for anything but
 * their own statements, so only a stalled process (stopped, frozen, cut off by the network) is
 * ended: without it, the rows it locked (a journal topic's head) would stall every other server
 * until it came back. Its next statement meets a lost connection. The same time as a server's
 * liveness (cluster/server-liveness.ts: SERVER_GONE_AFTER_MS), after which the others judge it gone.
 */
const IDLE_IN_TRANSACTION_MS = 10_000;
/** How often a backend running a statement looks whether its client is still there (PostgreSQL 14+). */
const CLIENT_CHECK_MS = 5_000;

export type QueryResult = {
  rows: Record<string, unknown>[];
  rowCount: number;
  /** The command tag's verb (INSERT, UPDATE, SELECT…), null when there was no statement. */
  command: string | null;
};

type Reply =
  | { id: number; ok: true; rows?: Record<string, unknown>[]; rowCount?: number; command?: string | null; bytea?: string[]; status: string }
  | { id: number; ok: false; error: { message: string; code?: string; detail?: string; constraint?: string }; status: string };

/** A statement PostgreSQL refused, or a connection that failed: the statement is in the message. */
export class PgQueryError extends Error {
  constructor(
    message: string,
    /** PostgreSQL's SQLSTATE (e.g. 23505 unique_violation), or `timeout`, `connection_lost`, `closed`, `worker_failed`. */
    readonly code: string | undefined,
    readonly sql: string,
    readonly detail?: string,
    readonly constraint?: string,
  ) {
    super(message);
    this.name = 'PgQueryError';
  }
}

/**
 * One PostgreSQL connection used synchronously, as better-sqlite3 is: `query()` blocks this thread
 * until a worker thread (which owns the `pg` client) has the answer. A server process runs one
 * statement at a time, exactly as on SQLite, where disk I/O blocks too.
 *
 * A statement slower than `timeoutMs`, a lost connection or a failed worker makes the call throw a
 * `PgQueryError` naming the statement; after a timeout or a worker failure the connection is closed
 * (a late answer could otherwise be taken for the next statement's).
 */
/** How long a reply may lag the worker's notify before the worker counts as failed. */
const LATE_REPLY_MS = 1000;

export class SyncConnection {
  /** Never notified: a 1 ms sleep for `#await`'s second look. */
  readonly #pause = new Int32Array(new SharedArrayBuffer(4));
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  #timeoutMs: number;
  #nextId = 1;
  #closed: string | null = null;
  #status = 'I';

  constructor({
    url,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    idleInTransactionMs = IDLE_IN_TRANSACTION_MS,
  }: {
    url: string;
    /** PostgreSQL's statement_timeout for this session; this thread waits CANCEL_GRACE_MS longer. */
    timeoutMs?: number;
    idleInTransactionMs?: number;
  }) {
    this.#timeoutMs = timeoutMs;
    const shared = new SharedArrayBuffer(4);
    this.#signal = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const driver = createRequire(import.meta.url).resolve('pg');
    this.#worker = new Worker(SYNC_WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver,
        port: port2,
        signal: shared,
        url,
        connectTimeoutMs: Math.min(timeoutMs, 10_000),
        session: {
          statement_timeout: timeoutMs,
          idle_in_transaction_session_timeout: idleInTransactionMs,
          client_connection_check_interval: CLIENT_CHECK_MS,
        },
      },
      transferList: [port2],
    });
    this.#worker.unref();
    this.#worker.on('error', () => {
      this.#closed ??= 'the PostgreSQL worker stopped';
    });
    this.#worker.on('exit', () => {
      this.#closed ??= 'the PostgreSQL worker stopped';
    });
    const ready = this.#await(0, 'connect');
    if (!ready.ok) {
      void this.#worker.terminate();
      this.#closed = 'the connection failed';
      throw new PgQueryError(`cannot connect to PostgreSQL: ${ready.error.message}`, ready.error.code, 'connect');
    }
  }

  /** PostgreSQL's transaction status after the last statement: 'I' idle, 'T' in a transaction, 'E' in a failed one. */
  get transactionStatus(): string {
    return this.#status;
  }

  get open(): boolean {
    return this.#closed === null;
  }

  /** Runs one statement (or, with no values, a `;`-separated script) and returns its (last) result. */
  query(text: string, values?: readonly unknown[]): QueryResult {
    if (this.#closed) throw new PgQueryError(`the PostgreSQL connection is closed (${this.#closed})`, 'closed', text);
    const id = this.#nextId++;
    Atomics.store(this.#signal, 0, 0);
    this.#port.postMessage({ id, type: 'query', text, values });
    const reply = this.#await(id, text);
    if (!reply.ok) {
      const e = reply.error;
      throw new PgQueryError(`${e.message} (in: ${abbreviate(text)})`, e.code, text, e.detail, e.constraint);
    }
    if (reply.command === 'ROLLBACK' && COMMIT.test(text)) {
      // PostgreSQL answers COMMIT of a transaction a failed statement aborted with a ROLLBACK, not an
      // error; SQLite would have committed the rest (a failed statement undoes only itself there).
      // Silently losing the writes would be worse than failing: the caller hears of it.
      throw new PgQueryError(
        'the transaction was rolled back, not committed: a statement in it failed (PostgreSQL aborts the whole transaction)',
        '25P02',
        text,
      );
    }
    const rows = reply.rows ?? [];
    // Buffers cross threads as plain Uint8Arrays; better-sqlite3 gives Buffers.
    if (reply.bytea && reply.bytea.length > 0) {
      for (const row of rows) {
        for (const name of reply.bytea) {
          const v = row[name];
          if (v instanceof Uint8Array) row[name] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        }
      }
    }
    return { rows, rowCount: reply.rowCount ?? 0, command: reply.command ?? null };
  }

  /** Sets this session's statement timeout (PostgreSQL's, and this thread's wait: `timeoutMs` above). */
  setTimeout(ms: number): void {
    const ceiling = Math.round(ms);
    // Waited for under the longer of the two, so that the SET itself is not cut short.
    this.#timeoutMs = Math.max(this.#timeoutMs, ceiling);
    this.query(`SET statement_timeout = ${ceiling}`);
    this.#timeoutMs = ceiling;
  }

  /** A round trip to the worker that does not reach PostgreSQL: what the thread hop alone costs (bench). */
  ping(): void {
    if (this.#closed) throw new PgQueryError(`the PostgreSQL connection is closed (${this.#closed})`, 'closed', 'ping');
    const id = this.#nextId++;
    Atomics.store(this.#signal, 0, 0);
    this.#port.postMessage({ id, type: 'ping' });
    this.#await(id, 'ping');
  }

  /** Stops the worker without a round trip: for a connection already lost (PostgreSQL ended the session). */
  discard(): void {
    this.#fail('discarded');
  }

  /** Ends the session (a transaction still open is rolled back by PostgreSQL) and stops the worker. */
  close(): void {
    if (this.#closed) {
      void this.#worker.terminate();
      return;
    }
    const id = this.#nextId++;
    Atomics.store(this.#signal, 0, 0);
    this.#port.postMessage({ id, type: 'close' });
    try {
      this.#await(id, 'close');
    } catch {
      /* terminated below either way */
    }
    this.#closed = 'closed';
    this.#port.close();
    void this.#worker.terminate();
  }

  #await(id: number, text: string): Reply {
    const waitMs = this.#timeoutMs + CANCEL_GRACE_MS;
    const outcome = Atomics.wait(this.#signal, 0, 0, waitMs);
    if (outcome === 'timed-out') {
      this.#fail(`no answer within ${waitMs} ms`);
      throw new PgQueryError(`PostgreSQL did not answer within ${waitMs} ms; the connection is closed (in: ${abbreviate(text)})`, 'timeout', text);
    }
    let message = receiveMessageOnPort(this.#port)?.message as Reply | undefined;
    // Under load (the integration suites on two busy cores) the reply was once not yet readable
    // right after the worker's notify: look again for a moment before calling the worker failed.
    for (let waited = 0; !message && waited < LATE_REPLY_MS; waited++) {
      Atomics.wait(this.#pause, 0, 0, 1);
      message = receiveMessageOnPort(this.#port)?.message as Reply | undefined;
    }
    if (!message) {
      this.#fail('the worker signalled without an answer');
      throw new PgQueryError(`the PostgreSQL worker signalled without an answer (in: ${abbreviate(text)})`, 'worker_failed', text);
    }
    this.#status = message.status;
    if (message.id !== id) {
      this.#fail('the worker failed');
      const reason = message.ok ? 'an answer to another request' : message.error.message;
      throw new PgQueryError(`${reason}; the connection is closed (in: ${abbreviate(text)})`, 'worker_failed', text);
    }
    return message;
  }

  #fail(reason: string): void {
    this.#closed ??= reason;
    this.#port.close();
    void this.#worker.terminate();
  }
}
