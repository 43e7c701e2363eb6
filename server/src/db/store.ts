import type BetterSqlite3 from 'better-sqlite3';

/**
 * The store contract: the synchronous subset of better-sqlite3's API that the server uses. Two
 * implementations satisfy it: better-sqlite3's `Database` itself (SQLite, the embedded default, with
 * its group commit) and `PgDatabase` (db/postgres/pg-database.ts), which runs each statement on a
 * PostgreSQL connection owned by a worker thread while the caller waits.
 *
 * SQL written against it uses `?` or `@name` parameters and the SQL both dialects share; what only
 * SQLite understands (PRAGMA, INSERT OR IGNORE…) PostgreSQL refuses with an error naming the statement.
 */
export type SqlRunResult = { changes: number; lastInsertRowid: number | bigint };

export interface SqlStatement<P extends unknown[] = unknown[], R = unknown> {
  readonly source: string;
  run(...params: P): SqlRunResult;
  /** The first row, or undefined when there is none. */
  get(...params: P): R | undefined;
  all(...params: P): R[];
  /** Rows come back as their first column's value. */
  pluck(toggle?: boolean): this;
}

// biome-ignore lint/suspicious/noExplicitAny: better-sqlite3's transaction signature, matched as it is.
type AnyFunction = (...args: any[]) => unknown;
type ArgumentTypes<F> = F extends (...args: infer A) => unknown ? A : never;

export type { ArgumentTypes };

export interface SqlTransaction<F extends AnyFunction> {
  (...args: ArgumentTypes<F>): ReturnType<F>;
  deferred(...args: ArgumentTypes<F>): ReturnType<F>;
  immediate(...args: ArgumentTypes<F>): ReturnType<F>;
  exclusive(...args: ArgumentTypes<F>): ReturnType<F>;
}

export interface SqlDatabase {
  readonly name: string;
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare<P extends unknown[] | {} = unknown[], R = unknown>(source: string): P extends unknown[] ? SqlStatement<P, R> : SqlStatement<[P], R>;
  exec(source: string): this;
  transaction<F extends AnyFunction>(fn: F): SqlTransaction<F>;
  close(): this;
}

/** Which implementation a store is: SQL that must differ (journal/sequences.ts) chooses by it. */
export type StoreKind = 'sqlite' | 'postgres';

export const storeKind = (db: SqlDatabase): StoreKind => ('kind' in db && db.kind === 'postgres' ? 'postgres' : 'sqlite');

// better-sqlite3's Database must stay a SqlDatabase: the SQLite store is better-sqlite3 itself.
const sqliteIsAStore = (db: BetterSqlite3.Database): SqlDatabase => db;
void sqliteIsAStore;
