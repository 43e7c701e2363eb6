import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../src/db/migrate';
import { openDatabase } from '../src/db/open';
import { makeDataDir } from './helpers/server';

describe('migrations', () => {
  it('apply every migration on a fresh database and record them', () => {
    const dataDir = makeDataDir();
    const db = openDatabase({ dataDir });
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
    expect(rows.map((r) => r.name)).toEqual(readMigrations().map((m) => m.name));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    db.close();
  });

  it('apply nothing again on re-open and keep data', () => {
    const dataDir = makeDataDir();
    const db = openDatabase({ dataDir });
    db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES ('wf_1', 'x', 1, 'now', 'now')").run();
    db.close();
    const again = new BetterSqlite3(path.join(dataDir, 'weft.db'));
    expect(migrate(again).applied).toEqual([]);
    expect(again.prepare('SELECT COUNT(*) AS n FROM workflows').get()).toEqual({ n: 1 });
    again.close();
  });

  it('apply only the new ones when a later migration lands', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-mig-'));
    fs.writeFileSync(path.join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER);');
    const db = new BetterSqlite3(':memory:');
    expect(migrate(db, readMigrations(dir)).applied).toEqual(['001_a']);
    fs.writeFileSync(path.join(dir, '002_b.sql'), 'CREATE TABLE b (y INTEGER);');
    expect(migrate(db, readMigrations(dir)).applied).toEqual(['002_b']);
  });

  it('carry runner event seqs into one cursor per lease attempt (007)', () => {
    const db = new BetterSqlite3(':memory:');
    const all = readMigrations();
    migrate(
      db,
      all.filter((m) => m.version < 7),
    );
    db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES ('wf_1', 'x', 1, 'now', 'now')").run();
    const add = db.prepare("INSERT INTO runner_events (execution_id, lease_attempt, seq, type, at) VALUES (?, ?, ?, 'step.started', 'now')");
    for (const [id, attempt, seq] of [
      ['ex_1', 1, 1],
      ['ex_1', 1, 2],
      ['ex_1', 1, 3],
      ['ex_1', 2, 1],
      ['ex_2', 1, 7],
    ] as const)
      add.run(id, attempt, seq);
    expect(
      migrate(
        db,
        all.filter((m) => m.version <= 7),
      ).applied,
    ).toEqual(['007_runner_cursors']);
    expect(db.prepare('SELECT execution_id AS id, lease_attempt AS attempt, seq FROM runner_cursors ORDER BY 1, 2').all()).toEqual([
      { id: 'ex_1', attempt: 1, seq: 3 },
      { id: 'ex_1', attempt: 2, seq: 1 },
      { id: 'ex_2', attempt: 1, seq: 7 },
    ]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'runner_events'").get()).toEqual({ n: 0 });
  });

  it('rebuild deliveries without AUTOINCREMENT, keeping rows, their order and the exactly-once keys (008)', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    const all = readMigrations();
    migrate(
      db,
      all.filter((m) => m.version < 8),
    );
    db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES ('wf_1', 'x', 1, 'now', 'now')").run();
    db.prepare(
      "INSERT INTO triggers (id, key, workflow_id, type, enabled, created_at, updated_at) VALUES ('tr_1', 'k', 'wf_1', 'schedule', 1, 'now', 'now')",
    ).run();
    const add = db.prepare(
      "INSERT INTO trigger_deliveries (id, trigger_id, trigger_key, kind, scheduled_for, received_at, status, latency_ms) VALUES (?, 'tr_1', 'k', 'schedule', ?, 'now', 'started', 0)",
    );
    add.run('dl_a', 1000);
    add.run('dl_b', 2000);
    expect(
      migrate(
        db,
        all.filter((m) => m.version <= 8),
      ).applied,
    ).toEqual(['008_deliveries_rowid']);
    expect(db.prepare('SELECT ord, id FROM trigger_deliveries ORDER BY ord').all()).toEqual([
      { ord: 1, id: 'dl_a' },
      { ord: 2, id: 'dl_b' },
    ]);
    expect((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'trigger_deliveries'").get() as { sql: string }).sql).not.toMatch(/AUTOINCREMENT/i);
    add.run('dl_c', 3000);
    expect(db.prepare("SELECT ord FROM trigger_deliveries WHERE id = 'dl_c'").get()).toEqual({ ord: 3 });
    // The same tick again still conflicts, and deleting the trigger still removes its deliveries.
    expect(() => add.run('dl_d', 1000)).toThrow(/UNIQUE/);
    db.prepare("DELETE FROM triggers WHERE id = 'tr_1'").run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM trigger_deliveries').get()).toEqual({ n: 0 });
  });

  it('give every webhook an explicit scheme: a secret means the weft scheme, none means "none" (010)', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    const all = readMigrations();
    migrate(
      db,
      all.filter((m) => m.version < 10),
    );
    db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES ('wf_1', 'x', 1, 'now', 'now')").run();
    const add = db.prepare(
      "INSERT INTO triggers (id, key, workflow_id, type, enabled, webhook_path, webhook_secret, created_at, updated_at) VALUES (?, ?, 'wf_1', ?, 1, ?, ?, 'now', 'now')",
    );
    add.run('tr_signed', 'signed', 'webhook', 'in/signed', 'an-old-secret');
    add.run('tr_open', 'open', 'webhook', 'in/open', null);
    add.run('tr_cron', 'cron', 'schedule', null, null);
    db.prepare(
      "INSERT INTO trigger_deliveries (ord, id, trigger_id, trigger_key, kind, received_at, status, latency_ms, delivery_key) VALUES (1, 'dl_a', 'tr_open', 'open', 'webhook', 'now', 'started', 0, 'gh-1')",
    ).run();
    expect(
      migrate(
        db,
        all.filter((m) => m.version <= 10),
      ).applied,
    ).toEqual(['010_webhook_verify']);
    expect(
      db
        .prepare(
          'SELECT key, webhook_verify AS verify, webhook_secret AS secret, webhook_allow_browser AS browser, webhook_respond_output AS output FROM triggers ORDER BY key',
        )
        .all(),
    ).toEqual([
      { key: 'cron', verify: null, secret: null, browser: 0, output: 0 },
      { key: 'open', verify: 'none', secret: null, browser: 0, output: 0 },
      { key: 'signed', verify: 'weft', secret: 'an-old-secret', browser: 0, output: 0 },
    ]);
    // Deliveries keep their X-Weft-Delivery key; counters go with their trigger.
    expect(db.prepare("SELECT delivery_key, replay_key FROM trigger_deliveries WHERE id = 'dl_a'").get()).toEqual({ delivery_key: 'gh-1', replay_key: null });
    db.prepare("INSERT INTO trigger_delivery_counts (trigger_id, minute, reason, status, count) VALUES ('tr_open', 0, 'bad_body', 'rejected', 3)").run();
    db.prepare("DELETE FROM triggers WHERE id = 'tr_open'").run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM trigger_delivery_counts').get()).toEqual({ n: 0 });
  });

  it('give executions that exist a run depth of 0 (011)', () => {
    const db = new BetterSqlite3(':memory:');
    const all = readMigrations();
    migrate(
      db,
      all.filter((m) => m.version < 11),
    );
    db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES ('wf_1', 'x', 1, 'now', 'now')").run();
    db.prepare("INSERT INTO executions (id, workflow_id, workflow_version, status, created_at) VALUES ('ex_1', 'wf_1', 1, 'succeeded', 'now')").run();
    expect(
      migrate(
        db,
        all.filter((m) => m.version <= 11),
      ).applied,
    ).toContain('011_run_depth');
    expect(db.prepare("SELECT run_depth FROM executions WHERE id = 'ex_1'").get()).toEqual({ run_depth: 0 });
  });

  it("move a once-approved ask's use out of closed_at into used_at, leaving closed rows as they were (025)", () => {
    const db = new BetterSqlite3(':memory:');
    const all = readMigrations();
    migrate(
      db,
      all.filter((m) => m.version < 25),
    );
    const add = db.prepare(
      `INSERT INTO tool_approvals (id, tool, arguments, message, status, requested_at, expires_at, closed_reason, closed_message, closed_at, ask_key, execution_id)
       VALUES (?, 't', '{}', 'm', ?, 'then', 0, ?, ?, ?, ?, 'ex_1')`,
    );
    add.run('tap_used', 'approved', null, null, '2026-01-02T00:00:00.000Z', 'k1');
    add.run('tap_fresh', 'approved', null, null, null, 'k2');
    add.run('tap_closed', 'closed', 'execution_canceled', 'the run was canceled', '2026-01-03T00:00:00.000Z', 'k3');
    add.run('tap_held', 'closed', 'call_canceled', 'gone', '2026-01-04T00:00:00.000Z', null);
    expect(
      migrate(
        db,
        all.filter((m) => m.version <= 25),
      ).applied,
    ).toContain('025_ask_use_and_git_repos');
    expect(db.prepare('SELECT id, status, used_at, closed_at FROM tool_approvals ORDER BY id').all()).toEqual([
      { id: 'tap_closed', status: 'closed', used_at: null, closed_at: '2026-01-03T00:00:00.000Z' },
      { id: 'tap_fresh', status: 'approved', used_at: null, closed_at: null },
      { id: 'tap_held', status: 'closed', used_at: null, closed_at: '2026-01-04T00:00:00.000Z' },
      { id: 'tap_used', status: 'approved', used_at: '2026-01-02T00:00:00.000Z', closed_at: null },
    ]);
  });

  it("look up a proposal's fixes by index, not by scanning every fix (026)", () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, readMigrations());
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM execution_fixes f WHERE f.proposal_id = ?').all('prop_1') as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toContain('USING INDEX execution_fixes_by_proposal');
  });

  it('refuse to start when a landed migration was edited', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-mig-'));
    fs.writeFileSync(path.join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER);');
    const db = new BetterSqlite3(':memory:');
    migrate(db, readMigrations(dir));
    fs.writeFileSync(path.join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER, z TEXT);');
    expect(() => migrate(db, readMigrations(dir))).toThrow(/001_a was edited/);
  });

  it('roll back a failing migration as a whole', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-mig-'));
    fs.writeFileSync(path.join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);');
    const db = new BetterSqlite3(':memory:');
    expect(() => migrate(db, readMigrations(dir))).toThrow();
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'a'").get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
  });
});
