import type { Db } from '../../src/db/open';
import { PgStatement } from '../../src/db/postgres/pg-database';
import { storeKind } from '../../src/db/store';

/**
 * Rows changed by INSERT, UPDATE and DELETE statements on `db` so far: SQLite's `total_changes()`;
 * on PostgreSQL (which has no such counter) the `changes` of every statement run from now on,
 * counted until `stop()`.
 */
export function totalChanges(db: Db): { get(): number; stop(): void } {
  if (storeKind(db) === 'sqlite') {
    const stmt = db.prepare<[], { n: number }>('SELECT total_changes() AS n');
    return { get: () => stmt.get()!.n, stop: () => {} };
  }
  let total = 0;
  const original = PgStatement.prototype.run;
  PgStatement.prototype.run = function (this: PgStatement, ...params: unknown[]) {
    const result = original.apply(this, params);
    total += result.changes;
    return result;
  };
  return {
    get: () => total,
    stop: () => {
      PgStatement.prototype.run = original;
    },
  };
}
