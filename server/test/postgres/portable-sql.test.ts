import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log';
import { createAuditQuery } from '../../src/audit/audit-query';
import { createApprovalDecisions } from '../../src/approvals/approval-decisions';
import { type Db, openDatabase } from '../../src/db/open';
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { createExecutionsRepository } from '../../src/executions/executions-repository';
import { createNotificationsRepository } from '../../src/notifications/notifications-repository';
import { createExecutionPruner } from '../../src/retention/execution-pruner';
import { RowBudget } from '../../src/retention/row-budget';
import { createSessionsRepository } from '../../src/sessions/sessions-repository';
import { usePostgres } from '../support/use-postgres';

/**
 * The repositories' statements that SQLite alone used to accept (GLOB, rowid, lastInsertRowid,
 * untyped `? IS NULL`, a boolean read as 0/1), run on both stores with the same expectations.
 */

const server = usePostgres();
const closers: (() => void)[] = [];
afterAll(() => {
  for (const close of closers) close();
});

async function newStore(kind: 'sqlite' | 'postgres'): Promise<Db> {
  if (kind === 'sqlite') {
    const db = openDatabase({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'weft-portable-sql-')) });
    closers.push(() => db.close());
    return db;
  }
  const db = new PgDatabase(await server.server().createDatabase());
  migratePostgres(db);
  closers.push(() => db.close());
  // The repositories' signatures name SQLite's Database; the statements are what is under test.
  return db as unknown as Db;
}

const AT = '2026-01-01T00:00:00.000Z';

function seedExecution(db: Db, id: string, status = 'succeeded') {
  db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES ('wf_1', 'w', 1, ?, ?) ON CONFLICT DO NOTHING").run(AT, AT);
  db.prepare("INSERT INTO executions (id, workflow_id, workflow_version, status, created_at, updated_at, finished_at) VALUES (?, 'wf_1', 1, ?, ?, ?, ?)").run(
    id,
    status,
    AT,
    AT,
    AT,
  );
}

describe.each(['sqlite', 'postgres'] as const)('portable repository SQL on %s', (kind) => {
  it('audit: record returns each new id; an action prefix matches case-sensitively and nothing else', async () => {
    const db = await newStore(kind);
    const log = createAuditLog({ db, clock: { now: () => new Date(AT) } as never });
    const record = (action: string) =>
      log.record({ actor: { kind: 'user', id: 'u1', name: 'Ann' }, action, target: { kind: 'workflow', id: 'wf_1' }, details: { action } });
    const ids = ['workflow.create', 'workflow.delete', 'Workflow.create', 'workflows.x', 'trigger.create'].map(record);
    expect(ids).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2, ids[0]! + 3, ids[0]! + 4]);
    const query = createAuditQuery(db);
    const actions = (action: string) => query.list({ action, limit: 50 } as never).entries.map((e) => e.action);
    expect(actions('workflow.*')).toEqual(['workflow.delete', 'workflow.create']);
    expect(actions('workflow.create')).toEqual(['workflow.create']);
    // The prefix is data: a '%' or '_' in it is no wildcard.
    expect(actions('workflow%.*')).toEqual([]);
  });

  it('notifications: a page with and without a "before" cursor', async () => {
    const db = await newStore(kind);
    const repo = createNotificationsRepository(db);
    for (const id of ['nt_1', 'nt_2', 'nt_3'])
      repo.insert({ id, executionId: 'ex_1', workflowId: 'wf_1', stepId: 's', title: 't', message: 'm', level: 'info', createdAt: AT, readAt: null } as never);
    expect(repo.page({ unread: false, before: undefined, limit: 10 }).map((n) => n.id)).toEqual(['nt_3', 'nt_2', 'nt_1']);
    expect(repo.page({ unread: true, before: 'nt_3', limit: 10 }).map((n) => n.id)).toEqual(['nt_2', 'nt_1']);
  });

  it('sessions: the list for everyone and for one owner', async () => {
    const db = await newStore(kind);
    const insert = db.prepare('INSERT INTO sessions (id, title, created_at, last_activity_at, owner_id) VALUES (?, ?, ?, ?, ?)');
    insert.run('se_1', 'mine', AT, AT, 'u1');
    insert.run('se_2', 'theirs', AT, '2026-01-02T00:00:00.000Z', 'u2');
    const repo = createSessionsRepository(db);
    expect(repo.listSessions(null).map((r) => [r.id, r.running])).toEqual([
      ['se_2', 0],
      ['se_1', 0],
    ]);
    expect(repo.listSessions('u1').map((r) => r.id)).toEqual(['se_1']);
  });

  it('executions: steps in the order they started, the latest waiting one', async () => {
    const db = await newStore(kind);
    seedExecution(db, 'ex_1', 'running');
    const step = db.prepare("INSERT INTO step_runs (execution_id, step_id, iteration_path, attempt, status, started_at) VALUES ('ex_1', ?, '', 1, ?, ?)");
    step.run('b', 'succeeded', '2026-01-01T00:00:01.000Z');
    step.run('a', 'waiting', '2026-01-01T00:00:02.000Z');
    step.run('c', 'waiting', '2026-01-01T00:00:03.000Z');
    const repo = createExecutionsRepository(db);
    expect(repo.steps('ex_1').map((s) => s.step_id)).toEqual(['b', 'a', 'c']);
    expect(repo.waitingStep('ex_1')?.step_id).toBe('c');
  });

  it('approval decisions come back in the order they were made', async () => {
    const db = await newStore(kind);
    seedExecution(db, 'ex_1', 'waiting');
    db.prepare(
      `INSERT INTO approvals (id, execution_id, workflow_id, step_id, step_attempt, message, on_deny, on_timeout, status, requested_at, expires_at)
       VALUES ('ap_1', 'ex_1', 'wf_1', 's', 1, 'ok?', 'fail', 'fail', 'pending', ?, 0)`,
    ).run(AT);
    const decisions = createApprovalDecisions(db);
    for (const who of ['u3', 'u1', 'u2']) decisions.record({ approvalId: 'ap_1', by: { id: who, name: who }, decision: 'approve', comment: null, at: AT });
    const of = db.prepare<[string], { principal_id: string }>('SELECT principal_id FROM approval_decisions WHERE approval_id = ? ORDER BY decided_at, id');
    expect(of.all('ap_1').map((r) => r.principal_id)).toEqual(['u3', 'u1', 'u2']);
  });

  it('retention: a finished run goes over several budgets, a protected one is flagged and kept', async () => {
    const db = await newStore(kind);
    seedExecution(db, 'ex_1');
    seedExecution(db, 'ex_2');
    db.prepare("INSERT INTO sessions (id, title, created_at, last_activity_at) VALUES ('se_1', 'chat', ?, ?)").run(AT, AT);
    db.prepare("UPDATE executions SET session_id = 'se_1' WHERE id = 'ex_2'").run();
    const step = db.prepare("INSERT INTO step_runs (execution_id, step_id, iteration_path, attempt, status) VALUES ('ex_1', ?, '', 1, 'succeeded')");
    for (let i = 0; i < 7; i++) step.run(`s${i}`);
    const pruner = createExecutionPruner(db);
    expect(pruner.scan('', 10)).toEqual([
      { id: 'ex_1', ended: AT, created: AT, protected: false },
      { id: 'ex_2', ended: AT, created: AT, protected: true },
    ]);
    expect(pruner.countBoundary(1)).toBe('ex_2');
    const outcomes: string[] = [];
    for (;;) {
      const budget = new RowBudget(3);
      const outcome = db.transaction(() => pruner.prune('ex_1', budget))();
      outcomes.push(outcome);
      if (outcome !== 'partial') break;
    }
    expect(outcomes.at(-1)).toBe('pruned');
    expect(outcomes.length).toBeGreaterThan(2);
    const count = (sql: string) => db.prepare<[], { n: number }>(sql).get()!.n;
    expect(count("SELECT COUNT(*) AS n FROM step_runs WHERE execution_id = 'ex_1'")).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM executions WHERE id = 'ex_1'")).toBe(0);
    expect(pruner.prune('ex_2', new RowBudget(10))).toBe('kept');
  });
});
