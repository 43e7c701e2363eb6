import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { MIGRATIONS_DIR } from '../paths';

export type Migration = { version: number; name: string; sql: string; checksum: string };

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/** The database has migrations this build does not know: a newer Weft wrote it. */
export class NewerSchemaError extends Error {
  constructor(
    readonly unknown: string[],
    readonly knownUpTo: number,
  ) {
    super(`the database has migrations this version does not know (${unknown.join(', ')}; this version knows up to ${String(knownUpTo).padStart(3, '0')})`);
    this.name = 'NewerSchemaError';
  }
}

/**
 * Applies pending migrations in order, each in its own transaction, and refuses to start when a
 * landed migration's text changed: editing history would make databases diverge silently.
 */
export function migrate(db: Database, migrations = readMigrations()): { applied: string[] } {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const landed = new Map(
    (
      db.prepare('SELECT version, name, checksum FROM schema_migrations').all() as {
        version: number;
        name: string;
        checksum: string;
      }[]
    ).map((r) => [r.version, r]),
  );
  // Refused before anything is applied: an older build must not write into a newer schema.
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...landed.values()].filter((r) => !known.has(r.version)).map((r) => r.name);
  if (unknown.length > 0) throw new NewerSchemaError(unknown, Math.max(0, ...known));
  const applied: string[] = [];
  for (const m of migrations) {
    const row = landed.get(m.version);
    if (row) {
      if (row.checksum !== m.checksum) {
        throw new Error(`migration ${m.name} was edited after it was applied (checksum mismatch); add a new migration instead`);
      }
      continue;
    }
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
        m.version,
        m.name,
        m.checksum,
        new Date().toISOString(),
      );
    })();
    applied.push(m.name);
  }
  return { applied };
}
