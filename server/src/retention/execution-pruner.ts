import { executionTopic } from '@weft/shared';
import type { Db } from '../db/open';
import { storeKind } from '../db/store';
import type { RowBudget } from './row-budget';
import { createPrunedExecutions } from './pruned-executions';

/**
 * Exactly the partial index's condition (migration 019). Queries name the index (INDEXED BY):
 * without statistics SQLite would pick `executions_by_status` and sort every finished run per scan.
 */
const FINISHED = "status IN ('succeeded', 'failed', 'canceled', 'denied')";

/**
 * Kept whatever their age: runs of a chat that still exists (its messages and run cards point at
 * them; deleting the chat detaches its runs and removes its messages, and they may go then), runs
 * a chat message points to, and an integration's latest sync run (its page links it).
 */
const PROTECTED = `(
  (e.session_id IS NOT NULL AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = e.session_id))
  OR EXISTS (SELECT 1 FROM messages m WHERE m.execution_id = e.id)
  OR EXISTS (SELECT 1 FROM integrations i WHERE i.latest_sync_execution_id = e.id)
)`;

export type PruneCandidate = { id: string; ended: string; created: string; protected: boolean };
// 0/1 on SQLite, a boolean on PostgreSQL.
type CandidateRow = Omit<PruneCandidate, 'protected'> & { protected: number | boolean };

/**
 * Deletes finished executions and every row keyed by them (steps, approvals and their decisions,
 * journal events, deliveries, notifications, idempotency records), within a row budget per
 * transaction. Never a queued, running or waiting one: only rows matching FINISHED are read.
 */
export function createExecutionPruner(db: Db) {
  const pruned = createPrunedExecutions(db);
  // PostgreSQL has no INDEXED BY (its planner has statistics).
  const indexedBy = storeKind(db) === 'postgres' ? '' : 'INDEXED BY executions_finished';
  const s = {
    /** The next finished runs after a cursor, with what decides whether they may go. */
    scan: db.prepare<[string, number], CandidateRow>(
      `SELECT e.id, COALESCE(e.finished_at, e.updated_at, e.created_at) AS ended, e.created_at AS created, ${PROTECTED} AS protected
       FROM executions e ${indexedBy} WHERE ${FINISHED} AND e.id > ? ORDER BY e.id LIMIT ?`,
    ),
    /** The id of the `n`th newest finished run (OFFSET n - 1): older ones are over the count limit. */
    nthNewest: db.prepare<[number], { id: string }>(`SELECT id FROM executions ${indexedBy} WHERE ${FINISHED} ORDER BY id DESC LIMIT 1 OFFSET ?`),
    stillFinished: db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM executions e WHERE id = ? AND ${FINISHED} AND NOT ${PROTECTED}`),
  };
  // Children first (foreign keys are on); each deletes at most `limit` rows of run `id` (of its topic
  // for events), a batch chosen by the table's primary key, the same SQL on both stores.
  const byKey = (table: string, key: string) => {
    const columns = key.includes(',') ? `(${key})` : key;
    return `DELETE FROM ${table} WHERE execution_id = @id AND ${columns} IN (SELECT ${key} FROM ${table} WHERE execution_id = @id LIMIT @limit)`;
  };
  const children: [table: string, sql: string][] = [
    ['events', 'DELETE FROM events WHERE topic = @id AND seq IN (SELECT seq FROM events WHERE topic = @id ORDER BY seq LIMIT @limit)'],
    [
      'approval_decisions',
      'DELETE FROM approval_decisions WHERE id IN (SELECT d.id FROM approval_decisions d JOIN approvals a ON a.id = d.approval_id WHERE a.execution_id = @id LIMIT @limit)',
    ],
    ['approvals', byKey('approvals', 'id')],
    ['tool_approvals', byKey('tool_approvals', 'id')],
    ['step_checkpoints', byKey('step_checkpoints', 'step_id, iteration_path')],
    ['execution_workspaces', byKey('execution_workspaces', 'key')],
    // A run's fixes go with it (a version a fix applied then no longer links it).
    ['execution_fixes', byKey('execution_fixes', 'id')],
    ['execution_git_repos', byKey('execution_git_repos', 'step_id, iteration_path, integration')],
    ['step_runs', byKey('step_runs', 'step_id, iteration_path, attempt')],
    ['message_keys', byKey('message_keys', 'key')],
    ['runner_cursors', byKey('runner_cursors', 'lease_attempt')],
    ['notifications', byKey('notifications', 'id')],
    ['notify_deliveries', byKey('notify_deliveries', 'key')],
    ['trigger_deliveries', 'DELETE FROM trigger_deliveries WHERE ord IN (SELECT ord FROM trigger_deliveries WHERE execution_id = @id LIMIT @limit)'],
  ];
  const deletes = children.map(([table, sql]) => ({ table, stmt: db.prepare<[{ id: string; limit: number }]>(sql) }));
  const floor = db.prepare<[string]>('DELETE FROM journal_floors WHERE topic = ?');
  const row = db.prepare<[string]>('DELETE FROM executions WHERE id = ?');

  return {
    /** Up to `limit` finished runs after `after` (id order), protected ones flagged. */
    scan(after: string, limit: number): PruneCandidate[] {
      return s.scan.all(after, limit).map((r) => ({ ...r, protected: Boolean(r.protected) }));
    },
    /** Finished runs with an id below this are beyond the newest `keep`; null when there are not that many. */
    countBoundary(keep: number): string | null {
      return s.nthNewest.get(keep - 1)?.id ?? null;
    },
    /**
     * Inside a transaction: deletes what the budget allows of one run, the run's row last:
     * `pruned` when it is gone, `partial` when the budget ran out first (the next transaction goes
     * on), `kept` when it may no longer go (a chat linked it since it was scanned).
     */
    prune(executionId: string, budget: RowBudget): 'pruned' | 'partial' | 'kept' {
      if (!s.stillFinished.get(executionId)) return 'kept';
      const topic = executionTopic(executionId);
      for (const { table, stmt } of deletes) {
        for (;;) {
          if (budget.exhausted) return 'partial';
          const left = budget.left;
          const n = stmt.run({ id: table === 'events' ? topic : executionId, limit: left }).changes;
          budget.charge(table, n);
          if (n < left) break;
        }
      }
      if (budget.left < 2) return 'partial';
      budget.charge('journal_floors', floor.run(topic).changes);
      budget.charge('executions', row.run(executionId).changes);
      pruned.record(executionId);
      return 'pruned';
    },
  };
}

export type ExecutionPruner = ReturnType<typeof createExecutionPruner>;
