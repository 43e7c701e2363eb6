import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate';
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { usePostgres } from '../support/use-postgres';

/**
 * Both migration folders applied, compared: a SQLite migration without its PostgreSQL twin (or the
 * other way round) fails here instead of drifting silently (server/src/migrations/postgres/README.md).
 */

/** Tables only one store has, and why. */
const SQLITE_ONLY = new Set(['sqlite_sequence']); // SQLite's AUTOINCREMENT bookkeeping
const POSTGRES_ONLY = new Set(['topic_heads']); // the journal's per-topic seq (journal/sequences.ts)
/** Columns standing in for what SQLite has without a column: `step_runs.ord` is its rowid (PostgreSQL migration 009). */
const POSTGRES_ONLY_COLUMNS = new Set(['step_runs.ord']);

type Column = { name: string; type: 'integer' | 'text' | 'bytes'; notNull: boolean };
type Schema = { tables: Record<string, Column[]>; indexes: string[]; nocase: string[] };

const sqliteFamily = (t: string): Column['type'] => {
  const upper = t.toUpperCase();
  if (upper === 'INTEGER') return 'integer';
  if (upper === 'TEXT') return 'text';
  if (upper === 'BLOB') return 'bytes';
  throw new Error(`unexpected SQLite column type ${t}`);
};
const pgFamily = (t: string): Column['type'] => {
  if (t === 'bigint' || t === 'integer' || t === 'smallint') return 'integer';
  if (t === 'text') return 'text';
  if (t === 'bytea') return 'bytes';
  throw new Error(`unexpected PostgreSQL column type ${t}`);
};
const byName = (a: Column, b: Column) => a.name.localeCompare(b.name);

function sqliteSchema(): Schema {
  const db = new BetterSqlite3(':memory:');
  try {
    migrate(db);
    const tables: Schema['tables'] = {};
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations'").pluck().all() as string[];
    for (const table of names.filter((n) => !SQLITE_ONLY.has(n))) {
      const info = db.pragma(`table_info("${table}")`) as { name: string; type: string; notnull: number; pk: number }[];
      // A PRIMARY KEY column is NOT NULL in PostgreSQL; SQLite only says so for INTEGER PRIMARY KEY.
      tables[table] = info.map((c) => ({ name: c.name, type: sqliteFamily(c.type), notNull: c.notnull === 1 || c.pk > 0 })).sort(byName);
    }
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").pluck().all() as string[];
    // Columns declared COLLATE NOCASE (every other one compares byte by byte: BINARY).
    const nocase: string[] = [];
    for (const { name, sql } of db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as { name: string; sql: string }[]) {
      for (const m of sql.matchAll(/(\w+) TEXT[^,]*COLLATE NOCASE/gi)) nocase.push(`${name}.${m[1]}`);
    }
    return { tables, indexes: indexes.sort(), nocase: nocase.sort() };
  } finally {
    db.close();
  }
}

function postgresSchema(db: PgDatabase): Schema {
  const columns = db
    .prepare<[], { table_name: string; column_name: string; data_type: string; is_nullable: string; collation_name: string | null }>(
      `SELECT table_name, column_name, data_type, is_nullable, collation_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
    )
    .all();
  const tables: Schema['tables'] = {};
  const nocase: string[] = [];
  for (const c of columns) {
    if (c.data_type === 'text') {
      // SQLite compares text byte by byte unless told NOCASE: so must PostgreSQL, whatever the database's locale.
      if (c.collation_name === 'weft_nocase') nocase.push(`${c.table_name}.${c.column_name}`);
      else if (c.collation_name !== 'C')
        throw new Error(`${c.table_name}.${c.column_name} is TEXT without COLLATE "C" (it has ${c.collation_name ?? 'the database default'})`);
    }
    if (POSTGRES_ONLY.has(c.table_name) || POSTGRES_ONLY_COLUMNS.has(`${c.table_name}.${c.column_name}`)) continue;
    const list = tables[c.table_name] ?? [];
    tables[c.table_name] = list;
    list.push({ name: c.column_name, type: pgFamily(c.data_type), notNull: c.is_nullable === 'NO' });
  }
  for (const list of Object.values(tables)) list.sort(byName);
  // Indexes created by name (not those behind PRIMARY KEY and UNIQUE constraints).
  const indexes = db
    .prepare(
      `SELECT indexname FROM pg_indexes i WHERE schemaname = 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    )
    .pluck()
    .all() as string[];
  return { tables, indexes: indexes.sort(), nocase: nocase.sort() };
}

const server = usePostgres();
let db: PgDatabase | undefined;
afterAll(() => db?.close());

describe('SQLite and PostgreSQL schemas', () => {
  it('have the same tables, columns (type family, nullability, text collation) and named indexes', async () => {
    db = new PgDatabase(await server.server().createDatabase());
    migratePostgres(db);
    const sqlite = sqliteSchema();
    const postgres = postgresSchema(db);
    expect(Object.keys(postgres.tables).sort()).toEqual(Object.keys(sqlite.tables).sort());
    for (const [table, cols] of Object.entries(sqlite.tables)) expect({ table, cols: postgres.tables[table] }).toEqual({ table, cols });
    expect(postgres.indexes).toEqual(sqlite.indexes);
    expect(postgres.nocase).toEqual(sqlite.nocase);
    expect(sqlite.nocase).toEqual(['users.email']);
  });
});
