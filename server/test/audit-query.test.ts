import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditQuery } from '../src/audit/audit-query';
import { type Db, openDatabase } from '../src/db/open';

/**
 * The audit trail's action-prefix filter on a real SQLite file: the prefix's rows exactly (bytewise,
 * case-sensitive) and found through the `audit_log_action` index, not by reading the whole log.
 * audit.test.ts runs the filter through HTTP on both stores.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-audit-query-'));
const db = openDatabase({ dataDir, synchronous: 'NORMAL' });
afterAll(() => {
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const ACTIONS = ['workflow.created', 'workflow.updated', 'workflow/x', 'workflowz.created', 'Workflow.created', 'workflow', 'trigger.created', 'workflow.~'];
const insert = db.prepare(
  "INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, target_kind) VALUES (?, 'system', NULL, 'weft', ?, 'workflow')",
);
for (let i = 0; i < 40; i++) for (const action of ACTIONS) insert.run(i, action);

/** The SQL and values the query prepares, recorded through a wrapper around the database. */
function recorded(): { db: Db; statements: { sql: string; params: unknown[] }[] } {
  const statements: { sql: string; params: unknown[] }[] = [];
  const wrapper = new Proxy(db, {
    get(target, key) {
      if (key !== 'prepare') return Reflect.get(target, key);
      return (sql: string) => {
        const statement = target.prepare(sql);
        return {
          all: (...params: unknown[]) => {
            statements.push({ sql, params });
            return statement.all(...params);
          },
        };
      };
    },
  });
  return { db: wrapper, statements };
}

describe('audit query: action prefix', () => {
  it('returns exactly the actions starting with the prefix, case-sensitively', () => {
    const { entries } = createAuditQuery(db).list({ action: 'workflow.*', limit: 200 });
    expect(new Set(entries.map((e) => e.action))).toEqual(new Set(['workflow.created', 'workflow.updated', 'workflow.~']));
    expect(entries).toHaveLength(120);
  });

  it('searches the audit_log_action index instead of scanning the log', () => {
    const { db: wrapper, statements } = recorded();
    createAuditQuery(wrapper).list({ action: 'workflow.*', limit: 10 });
    expect(statements).toHaveLength(1);
    const { sql, params } = statements[0]!;
    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((r) => r.detail);
    expect(plan.join('\n')).toMatch(/SEARCH audit_log USING (COVERING )?INDEX audit_log_action \(action>\? AND action<\?\)/);
    expect(plan.join('\n')).not.toMatch(/SCAN audit_log/);
  });
});
