import path from 'node:path';
import { MIGRATIONS_DIR } from '../../paths';
import { type Migration, NewerSchemaError, readMigrations } from '../migrate';
import type { PgDatabase } from './pg-database';

/** PostgreSQL's migrations: the SQLite ones' twins (see the folder's README). */
export const PG_MIGRATIONS_DIR = path.join(MIGRATIONS_DIR, 'postgres');

/** Session advisory lock held while migrating (an arbitrary constant: "weft" in ASCII, then 21). */
export const MIGRATION_LOCK = 0x7765_6674_0021;

/**
 * How long a migration's statement, and the wait for another server's migration lock, may take:
 * a migration rewriting a large table may rightly take minutes, and a server starting meanwhile
 * waits for it rather than failing its start after the usual statement timeout.
 */
export const MIGRATION_TIMEOUT_MS = 15 * 60_000;

/**
 * Applies pending PostgreSQL migrations in order, each in its own transaction, under a session
 * advisory lock: servers starting together wait for one another, and each after the first finds
 * nothing left to apply. Like SQLite's `migrate`, it refuses a database that has migrations this
 * build does not know, and a landed migration whose text changed.
 */
export function migratePostgres(db: PgDatabase, migrations: Migration[] = readMigrations(PG_MIGRATIONS_DIR)): { applied: string[] } {
  return db.withTimeout(MIGRATION_TIMEOUT_MS, () => migrateLocked(db, migrations));
}

function migrateLocked(db: PgDatabase, migrations: Migration[]): { applied: string[] } {
  db.prepare('SELECT pg_advisory_lock(?)').get(MIGRATION_LOCK);
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version BIGINT PRIMARY KEY,
      name TEXT NOT NULL,
      checksum TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const landed = new Map(
      db
        .prepare<[], { version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations')
        .all()
        .map((r) => [r.version, r]),
    );
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...landed.values()].filter((r) => !known.has(r.version)).map((r) => r.name);
    if (unknown.length > 0) throw new NewerSchemaError(unknown, Math.max(0, ...known));
    const applied: string[] = [];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
    for (const m of migrations) {
      const row = landed.get(m.version);
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new Error(`migration postgres/${m.name} was edited after it was applied (checksum mismatch); add a new migration instead`);
        }
        continue;
      }
      db.transaction(() => {
        db.exec(m.sql);
        record.run(m.version, m.name, m.checksum, new Date().toISOString());
      })();
      applied.push(m.name);
    }
    return { applied };
  } finally {
    if (db.open && !db.inTransaction) db.prepare('SELECT pg_advisory_unlock(?)').get(MIGRATION_LOCK);
  }
}
