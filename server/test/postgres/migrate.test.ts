import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NewerSchemaError, readMigrations } from '../../src/db/migrate';
import { MIGRATION_LOCK, migratePostgres, PG_MIGRATIONS_DIR } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { spawnTsx, type TsxProcess } from '../helpers/tsx-process';
import { usePostgres } from '../support/use-postgres';

const server = usePostgres();
const opened: PgDatabase[] = [];
const open = (url: string) => {
  const db = new PgDatabase(url);
  opened.push(db);
  return db;
};
afterAll(() => {
  for (const db of opened) db.close();
});

const allNames = () => readMigrations(PG_MIGRATIONS_DIR).map((m) => m.name);

describe('PostgreSQL migrations', () => {
  it('applies every migration once, then nothing; the baseline is usable', async () => {
    // A database whose default collation is a language's (as production ones often are), not C.
    const db = open(await server.server().createDatabase({ icuLocale: 'en-US' }));
    expect(db.prepare("SELECT 'a' < 'B' AS natural").pluck().get()).toBe(1);
    expect(migratePostgres(db).applied).toEqual(allNames());
    expect(migratePostgres(db).applied).toEqual([]);
    // users.email compares without case, as SQLite's COLLATE NOCASE does.
    db.prepare("INSERT INTO users (id, name, email, role, created_at, updated_at) VALUES ('u1', 'A', 'Ann@Example.com', 'admin', 1, 1)").run();
    expect(db.prepare('SELECT id FROM users WHERE email = ?').pluck().get('ann@example.COM')).toBe('u1');
    expect(() =>
      db.prepare("INSERT INTO users (id, name, email, role, created_at, updated_at) VALUES ('u2', 'B', 'ANN@example.com', 'admin', 1, 1)").run(),
    ).toThrow(/duplicate key/);
    // Text columns order byte by byte as in SQLite, whatever the database's locale.
    for (const id of ['b', 'B', '_', 'a']) {
      db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES (?, 'w', 1, '', '')").run(id);
    }
    expect(db.prepare('SELECT id FROM workflows ORDER BY id').pluck().all()).toEqual(['B', '_', 'a', 'b']);
    expect(db.prepare("SELECT id FROM workflows WHERE id < 'a' ORDER BY id").pluck().all()).toEqual(['B', '_']);
    // Former rowid keys number themselves.
    const ord = db.prepare("INSERT INTO audit_log (at, actor_kind, actor_name, action, target_kind) VALUES (1, 'system', 's', 'x', 'y') RETURNING id").run();
    expect(ord.lastInsertRowid).toBe(1);
  });

  it('numbers the step records of a database from before migration 009 by start time, and new ones after them', async () => {
    const db = open(await server.server().createDatabase());
    const migrations = readMigrations(PG_MIGRATIONS_DIR);
    const before = migrations.filter((m) => m.name < '009');
    expect(migratePostgres(db, before).applied).toEqual(before.map((m) => m.name));
    db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES ('wf', 'w', 1, '', '')").run();
    db.prepare("INSERT INTO executions (id, workflow_id, workflow_version, status, created_at, updated_at) VALUES ('ex', 'wf', 1, 'running', '', '')").run();
    const step = db.prepare("INSERT INTO step_runs (execution_id, step_id, attempt, status, started_at) VALUES ('ex', ?, 1, 'succeeded', ?)");
    step.run('late', '2026-01-01T00:00:02.000Z');
    step.run('unstarted', null);
    step.run('early', '2026-01-01T00:00:01.000Z');
    expect(migratePostgres(db, migrations).applied).toEqual(migrations.filter((m) => m.name >= '009').map((m) => m.name));
    step.run('next', null);
    expect(db.prepare("SELECT step_id FROM step_runs WHERE execution_id = 'ex' ORDER BY ord").pluck().all()).toEqual(['early', 'late', 'unstarted', 'next']);
  });

  it('refuses an edited migration and a database from a newer build', async () => {
    const db = open(await server.server().createDatabase());
    const migrations = readMigrations(PG_MIGRATIONS_DIR);
    migratePostgres(db, migrations);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'different' } : m));
    expect(() => migratePostgres(db, edited)).toThrow(/001_baseline was edited after it was applied/);
    expect(() => migratePostgres(db, migrations.slice(1))).toThrow(NewerSchemaError);
    // The lock was released each time: a last run passes.
    expect(migratePostgres(db, migrations).applied).toEqual([]);
  });

  it('waits for another server migrating for longer than the statement timeout, then finds nothing left to apply', async () => {
    const url = await server.server().createDatabase();
    migratePostgres(open(url));
    const db = new PgDatabase(url, { timeoutMs: 300 });
    opened.push(db);
    // A server whose migration takes 1.5 s: one script, so the lock is let go without this thread,
    // which migratePostgres blocks.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      const migrating = holder.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK}); SELECT pg_sleep(1.5); SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
      // pg_locks shows a bigint key as its high and low 32 bits.
      const held = db.prepare<[number, number]>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = ?").pluck();
      while (held.get(Math.floor(MIGRATION_LOCK / 2 ** 32), MIGRATION_LOCK % 2 ** 32) !== 1) await new Promise((r) => setTimeout(r, 20));
      const started = Date.now();
      expect(migratePostgres(db).applied).toEqual([]);
      expect(Date.now() - started).toBeGreaterThan(800);
      await migrating;
      // The usual timeout is back.
      expect(db.prepare('SHOW statement_timeout').pluck().get()).toBe('300ms');
    } finally {
      await holder.end();
    }
  });

  it('three processes migrating one empty database together apply each migration once, without error', async () => {
    const url = await server.server().createDatabase();
    // Hold the migration lock until all three wait for it, so they really contend.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    const processes: TsxProcess[] = [];
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      for (let i = 0; i < 3; i++) {
        processes.push(
          spawnTsx(path.join(import.meta.dirname, 'migrate-process.ts'), {
            cwd: path.resolve(import.meta.dirname, '../..'),
            env: { WEFT_TEST_MIGRATE_URL: url },
          }),
        );
      }
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rows } = await holder.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
        if (rows[0].n === 3) break;
        if (Date.now() > deadline) throw new Error(`not all processes reached the lock:\n${processes.map((p) => p.output()).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      const codes = await Promise.all(processes.map((p) => p.exited));
      expect(codes, processes.map((p) => p.output()).join('\n')).toEqual([0, 0, 0]);
      const applied = processes.flatMap((p) => (JSON.parse(p.output().trim().split('\n').at(-1)!) as { applied: string[] }).applied);
      expect(applied.sort()).toEqual(allNames());
      const { rows } = await holder.query('SELECT name FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.name)).toEqual(allNames());
    } finally {
      for (const p of processes) await p.kill();
      await holder.end();
    }
  });
});
