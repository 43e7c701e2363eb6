import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { totalChanges } from '../helpers/total-changes';
import { usePostgres } from '../support/use-postgres';

/** The test helper that bounds rows written per transaction counts the same writes on both stores. */

const server = usePostgres();

function writes(db: Db): number {
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const changes = totalChanges(db);
  try {
    db.prepare("INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b')").run();
    // Written through get() and all(): INSERT … RETURNING, as the repositories do for their ids.
    expect(db.prepare<[], { id: number }>("INSERT INTO t (id, v) VALUES (3, 'c') RETURNING id").get()).toEqual({ id: 3 });
    expect(db.prepare<[], { id: number }>("UPDATE t SET v = 'x' WHERE id < 3 RETURNING id").all()).toHaveLength(2);
    db.prepare('SELECT * FROM t').all();
    db.prepare('DELETE FROM t WHERE id = 3').run();
    return changes.get();
  } finally {
    changes.stop();
  }
}

describe('totalChanges', () => {
  it('counts rows written by run(), get() and all() alike, reads not at all: SQLite', () => {
    const db = new BetterSqlite3(':memory:');
    expect(writes(db)).toBe(6);
    db.close();
  });

  it('counts rows written by run(), get() and all() alike, reads not at all: PostgreSQL', async () => {
    const db = new PgDatabase(await server.server().createDatabase());
    try {
      expect(writes(db)).toBe(6);
    } finally {
      db.close();
    }
  });
});
