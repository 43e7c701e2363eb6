import type { Db } from '../../src/db/open';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { storeKind } from '../../src/db/store';

/** Commands whose row count is rows written, as SQLite's total_changes() counts them. */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE']);

/**
 * Rows changed by INSERT, UPDATE and DELETE statements on `db` so far: SQLite's `total_changes()`;
 * on PostgreSQL (which has no such counter) the rows every such statement on any PgDatabase wrote
 * from now on, whichever method ran it (`run()`, or `get()`/`all()` for INSERT … RETURNING),
 * counted until `stop()`.
 */
export function totalChanges(db: Db): { get(): number; stop(): void } {
  if (storeKind(db) === 'sqlite') {
    const stmt = db.prepare<[], { n: number }>('SELECT total_changes() AS n');
    return { get: () => stmt.get()!.n, stop: () => {} };
  }
  let total = 0;
  const original = PgDatabase.prototype.query;
  PgDatabase.prototype.query = function (this: PgDatabase, ...args: Parameters<PgDatabase['query']>) {
    const result = original.apply(this, args);
    if (WRITES.has(result.command ?? '')) total += result.rowCount;
    return result;
  };
  return {
    get: () => total,
    stop: () => {
      PgDatabase.prototype.query = original;
    },
  };
}
