import type { ArgumentTypes, SqlDatabase, SqlRunResult, SqlStatement, SqlTransaction } from '../store';
import { abbreviate, bindArguments, type Translated, translate, UnsupportedSqlError } from './dialect';
import { DEFAULT_TIMEOUT_MS, PgQueryError, SyncConnection } from './sync-connection';

/** Exactly a ROLLBACK of the whole transaction (not ROLLBACK TO a savepoint). */
const ROLLBACK = /^\s*ROLLBACK\s*;?\s*$/i;
/**
 * The session is gone: the worker's connection_lost, PostgreSQL shutting down (57P01-57P03), the
 * session ended idle in a transaction (25P03), connection errors (08).
 */
const LOST = /^(connection_lost|closed|timeout|worker_failed|57P0[1-3]|25P03|08...)$/;

/**
 * After a failed reconnect, statements fail at once for this long without starting a worker: while
 * PostgreSQL is down each statement would otherwise block the event loop connecting (a refused
 * connection is quick, a silent host waits the connect timeout).
 */
export const RECONNECT_BACKOFF_MS = 1_000;

/** PostgreSQL aborted the transaction for another's sake: deadlock_detected, serialization_failure. */
const CONFLICT = /^(40P01|40001)$/;
/** A statement (or COMMIT) of a transaction a failed statement aborted (in_failed_sql_transaction). */
const IN_FAILED_TRANSACTION = '25P02';

/** Commands whose row count is rows written (`changes`). */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** Distinct statement texts whose translation is kept (the server prepares a few hundred). */
const TRANSLATION_CACHE = 2_000;

/**
 * A prepared statement on PostgreSQL with better-sqlite3's methods. The translation is made once;
 * each call sends the statement's text and values over the extended protocol.
 *
 * `run()` returns `{ changes, lastInsertRowid }`: `changes` is the rows an INSERT, UPDATE, DELETE
 * or MERGE wrote (0 for anything else, as SQLite counts);
 * `lastInsertRowid` is the first column of the first returned row when the statement has a
 * `RETURNING` clause, and 0 otherwise (PostgreSQL has no rowid).
 */
export class PgStatement<P extends unknown[] = unknown[], R = unknown> implements SqlStatement<P, R> {
  #plucked = false;

  constructor(
    private readonly db: PgDatabase,
    readonly source: string,
    private readonly translated: Translated,
  ) {}

  /** Whether rows come back (a SELECT/VALUES/WITH…SELECT or a RETURNING clause), as better-sqlite3 reports it. */
  get reader(): boolean {
    return /^\s*(SELECT|VALUES|WITH|SHOW|TABLE)\b/i.test(this.translated.text) || /\bRETURNING\b/i.test(this.translated.text);
  }

  pluck(toggle = true): this {
    this.#plucked = toggle;
    return this;
  }

  run(...params: P): SqlRunResult {
    const result = this.#query(params);
    const first = result.rows[0];
    const rowid = first ? Object.values(first)[0] : undefined;
    return {
      changes: WRITES.has(result.command ?? '') ? result.rowCount : 0,
      lastInsertRowid: typeof rowid === 'number' || typeof rowid === 'bigint' ? rowid : 0,
    };
  }

  get(...params: P): R | undefined {
    const row = this.#query(params).rows[0];
    return row === undefined ? undefined : (this.#shape(row) as R);
  }

  all(...params: P): R[] {
    return this.#query(params).rows.map((row) => this.#shape(row) as R);
  }

  #query(params: readonly unknown[]) {
    const values = bindArguments(this.translated, params);
    return this.db.query(this.translated.text, values);
  }

  #shape(row: Record<string, unknown>): unknown {
    if (!this.#plucked) return row;
    for (const key in row) return row[key];
    return undefined;
  }
}

/**
 * PostgreSQL behind the synchronous subset of better-sqlite3's API that the server uses
 * (`SqlDatabase`): statements run one at a time on a worker-owned connection while this thread
 * waits (sync-connection.ts), so code written for SQLite runs unchanged.
 *
 * Transactions are better-sqlite3's: `transaction(fn)` returns a function (with `.deferred()`,
 * `.immediate()`, `.exclusive()`) running `fn` between BEGIN and COMMIT, rolled back if it throws;
 * called inside a transaction it is a savepoint. All three modes are a plain READ COMMITTED BEGIN:
 * PostgreSQL takes row locks as rows are written, and what must be serialised takes its own lock
 * (the journal's seq: journal/sequences.ts). `inTransaction` is PostgreSQL's own transaction status.
 *
 * One difference code written for SQLite must know: a failed statement aborts the whole PostgreSQL
 * transaction (SQLite undoes only that statement). Later statements fail, and a COMMIT of such a
 * transaction throws rather than silently rolling back (sync-connection.ts).
 */
export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  /** The URL without its password, for logs and messages. */
  readonly name: string;
  readonly #translations = new Map<string, Translated>();
  readonly #url: string;
  /** The statement timeout of this session, and of one opened for it (`withTimeout` widens it). */
  #timeoutMs: number;
  readonly #idleInTransactionMs: number | undefined;
  #connection: SyncConnection;
  #closed = false;
  /** The connection was lost inside a transaction: until the caller's ROLLBACK, nothing runs. */
  #lostInTransaction = false;
  /** When the last reconnect failed (Date.now()), cleared by one that succeeds. */
  #reconnectFailedAt: number | undefined;
  /** The deadlock (or serialization failure) that aborted the open transaction, until a statement succeeds (its ROLLBACK). */
  #abortedBy: PgQueryError | null = null;
  #afterStatement: (() => void) | null = null;

  constructor(url: string, { timeoutMs, idleInTransactionMs }: { timeoutMs?: number; idleInTransactionMs?: number } = {}) {
    const shown = new URL(url);
    if (shown.password) shown.password = '***';
    this.name = shown.toString();
    this.#url = url;
    this.#timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#idleInTransactionMs = idleInTransactionMs;
    this.#connection = this.#openSession();
  }

  /** A new session with this database's time limits. */
  #openSession(): SyncConnection {
    return new SyncConnection({ url: this.#url, timeoutMs: this.#timeoutMs, idleInTransactionMs: this.#idleInTransactionMs });
  }

  /** The current connection (replaced after one was lost). */
  get connection(): SyncConnection {
    return this.#connection;
  }

  /**
   * Called after each statement, whether it succeeded or not: the cluster's LISTEN worker is drained
   * there (cluster/notification-listener.ts), since this thread is blocked in statements most of its
   * time under load. It must not run a statement itself.
   */
  afterEachStatement(fn: (() => void) | null): void {
    this.#afterStatement = fn;
  }

  /**
   * Runs `fn` with statements allowed `ms` each instead of the usual timeout (a session reopened
   * meanwhile gets it too): for work that may rightly take long, as migrations and the wait for
   * another server's migration lock. The usual timeout is set again after it; a transaction `fn`
   * left open cannot take the SET, so its session is given up (the caller's ROLLBACK ends it).
   */
  withTimeout<T>(ms: number, fn: () => T): T {
    const usual = this.#timeoutMs;
    this.#timeoutMs = ms;
    try {
      if (this.#connection.open) this.#connection.setTimeout(ms);
      return fn();
    } finally {
      this.#timeoutMs = usual;
      this.#restoreTimeout();
    }
  }

  /** Sets the usual timeout on the open session again; one that cannot take it is given up. */
  #restoreTimeout(): void {
    const connection = this.#connection;
    if (!connection.open) return; // the next session opens with it
    if (connection.transactionStatus !== 'I') {
      connection.discard();
      this.#lostInTransaction = true;
      return;
    }
    try {
      connection.setTimeout(this.#timeoutMs);
    } catch {
      connection.discard();
    }
  }

  /** Until `close()`: a lost connection is reopened by the next statement. */
  get open(): boolean {
    return !this.#closed;
  }

  /**
   * True from BEGIN until COMMIT or ROLLBACK, including a transaction a failed statement aborted,
   * or one whose connection was lost (the caller's ROLLBACK ends it).
   */
  get inTransaction(): boolean {
    return this.#lostInTransaction || (this.#connection.open && this.#connection.transactionStatus !== 'I');
  }

  /**
   * Runs one statement. A connection PostgreSQL ended (a restart, a failover, an idle kill) is
   * replaced by the next statement outside a transaction; the statement that met the loss fails
   * (it may or may not have run) and a transaction it was in is gone: its statements fail until the
   * caller's ROLLBACK, so nothing of it is silently run outside the transaction.
   */
  query(text: string, values?: readonly unknown[]): ReturnType<SyncConnection['query']> {
    try {
      return this.#query(text, values);
    } finally {
      this.#afterStatement?.();
    }
  }

  #query(text: string, values?: readonly unknown[]): ReturnType<SyncConnection['query']> {
    if (!this.#connection.open && !this.#closed) {
      if (this.#lostInTransaction) {
        if (ROLLBACK.test(text)) {
          this.#lostInTransaction = false;
          return { rows: [], rowCount: 0, command: 'ROLLBACK' };
        }
        throw new PgQueryError('the PostgreSQL connection was lost in this transaction, which is rolled back', 'connection_lost', text);
      }
      this.#reconnect(text);
    }
    const before = this.#connection.transactionStatus;
    try {
      const result = this.#connection.query(text, values);
      // Nothing but a ROLLBACK (TO SAVEPOINT) succeeds in an aborted transaction.
      this.#abortedBy = null;
      return result;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const cause = this.#abortedBy;
      if (code === IN_FAILED_TRANSACTION && cause) {
        // A caller caught the conflict and went on (a later statement, its COMMIT): this fails for
        // the conflict's sake and says so, so the journal still reruns it (journal/conflict-retry.ts).
        throw new PgQueryError(`${cause.message}; the transaction it aborted went on (in: ${abbreviate(text)})`, cause.code, text);
      }
      // (The status reported with an error may predate it: whether a transaction was open is `before`.)
      this.#abortedBy = before !== 'I' && typeof code === 'string' && CONFLICT.test(code) ? (err as PgQueryError) : null;
      const lost = !this.#connection.open || (typeof code === 'string' && LOST.test(code));
      if (lost && !this.#closed) {
        if (this.#connection.open) this.#connection.discard();
        this.#lostInTransaction = before !== 'I' && !ROLLBACK.test(text);
      }
      throw err;
    }
  }

  /**
   * Opens a new session for a lost one. A failure is `connection_lost` (storage_unavailable, 503),
   * whatever the driver's code (ECONNREFUSED, none for a timeout), and for RECONNECT_BACKOFF_MS the
   * next statements fail the same way without trying.
   */
  #reconnect(text: string): void {
    const failedAt = this.#reconnectFailedAt;
    if (failedAt !== undefined && Date.now() - failedAt < RECONNECT_BACKOFF_MS) {
      throw new PgQueryError('PostgreSQL cannot be reached (a reconnect failed less than a second ago)', 'connection_lost', text);
    }
    try {
      this.#connection = this.#openSession();
      this.#reconnectFailedAt = undefined;
    } catch (err) {
      this.#reconnectFailedAt = Date.now();
      throw new PgQueryError(`PostgreSQL cannot be reached: ${(err as Error).message}`, 'connection_lost', text);
    }
  }

  prepare<P extends unknown[] | {} = unknown[], R = unknown>(source: string): P extends unknown[] ? PgStatement<P, R> : PgStatement<[P], R> {
    // The conditional type mirrors better-sqlite3's: an object parameter type binds as one argument.
    return new PgStatement(this, source, this.#translate(source)) as P extends unknown[] ? PgStatement<P, R> : PgStatement<[P], R>;
  }

  /** Runs a script of statements with no parameters (simple protocol: several statements in one round trip). */
  exec(source: string): this {
    const t = this.#translate(source);
    if (t.positional > 0 || t.names.length > 0) throw new UnsupportedSqlError('exec() takes no parameters; use prepare()', source);
    this.query(t.text);
    return this;
  }

  /** SQLite's PRAGMAs have no PostgreSQL meaning: refused, naming the pragma, so a SQLite-only path shows at once. */
  pragma(source: string): never {
    throw new UnsupportedSqlError('PRAGMA is SQLite-only and has no PostgreSQL equivalent here', `PRAGMA ${source}`);
  }

  // biome-ignore lint/suspicious/noExplicitAny: better-sqlite3's transaction signature.
  transaction<F extends (...args: any[]) => unknown>(fn: F): SqlTransaction<F> {
    const run = (args: ArgumentTypes<F>): ReturnType<F> => {
      const nested = this.inTransaction;
      this.query(nested ? 'SAVEPOINT weft_nested' : 'BEGIN');
      try {
        const value = fn(...args) as ReturnType<F>;
        if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
          throw new TypeError('Transaction function cannot return a promise');
        }
        // Inside the try, as better-sqlite3 does: a COMMIT that fails with the transaction still
        // open (its connection lost) is rolled back here, not left for a ROLLBACK nobody sends.
        this.query(nested ? 'RELEASE SAVEPOINT weft_nested' : 'COMMIT');
        return value;
      } catch (err) {
        if (this.inTransaction && this.open) {
          if (!nested) this.query('ROLLBACK');
          // A savepoint of a transaction whose session was lost has nothing left to undo: `err` goes
          // up as it is, and the outer transaction's ROLLBACK ends it.
          else if (!this.#lostInTransaction) {
            this.query('ROLLBACK TO SAVEPOINT weft_nested');
            this.query('RELEASE SAVEPOINT weft_nested');
          }
        }
        throw err;
      }
    };
    const tx = ((...args: ArgumentTypes<F>) => run(args)) as SqlTransaction<F>;
    tx.deferred = tx;
    tx.immediate = tx;
    tx.exclusive = tx;
    return tx;
  }

  close(): this {
    this.#closed = true;
    this.#connection.close();
    return this;
  }

  #translate(source: string): Translated {
    let t = this.#translations.get(source);
    if (!t) {
      t = translate(source);
      if (this.#translations.size >= TRANSLATION_CACHE) this.#translations.clear();
      this.#translations.set(source, t);
    }
    return t;
  }
}
