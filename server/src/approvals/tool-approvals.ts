import { APPROVALS_TOPIC, type ApprovalClosed, type ToolApproval } from '@weft/shared';
import { CLOSE_PENDING_SQL } from './decision-columns';
import { filters } from '../db/filters';
import { publishToolApproval, toolApprovalView as view, type ToolApprovalEvent, type ToolApprovalRow as Row } from './tool-approval-rows';
import { answerDecided, callCanceled, closeReasonFor } from './close-reason';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';
import type { ExecutionEnding } from '../executions/executions-service';
import type { ServerLiveness } from '../cluster/server-liveness';

type Outcome = { approved: boolean; decidedBy: string; decidedById?: string | undefined; comment: string | null };

/**
 * Tool calls the registry holds for a person (every state change the assistant asks for, a
 * workflow's destructive call) wait here. The waiting caller holds a promise; a decision made
 * anywhere (chat card, inbox, API) settles it. Pending rows left by a restart are expired.
 *
 * A workflow's call belongs to its execution: when the execution ends, the approval closes in the
 * same transaction with the run's reason. If the runner's request goes away first (a step timing
 * out aborts it just before the runner reports the failure), the call is told "denied" at once, so
 * nothing runs, but the card stays until the run's ending closes it with the true reason.
 *
 * Each call records the server holding it (`held_by`, see cluster/server-liveness.ts): at start,
 * and periodically with several servers (`expireOrphaned`), only calls whose holder is gone are
 * expired, never those a live server's request still waits for. With several servers
 * (`settleFromOthers`), a decision or closing made on another server reaches the waiting request
 * through the approvals topic: the row is read again and settles it.
 */
export function createToolApprovals({
  db,
  journal,
  clock,
  isActive = () => false,
  timeoutMs = 60 * 60 * 1000,
  liveness,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  /** Whether an execution is still running (a workflow call's approval then waits for its ending). */
  isActive?: (executionId: string) => boolean;
  timeoutMs?: number;
  /** Who holds a call (this server) and whether another holder is gone; without it every pending call at start is an orphan. */
  liveness?: ServerLiveness | undefined;
}) {
  /** Pending calls in this process: who waits, and for a workflow's call, its execution. */
  const waiting = new Map<string, { resolve: (r: Outcome) => void; executionId: string | undefined }>();
  /** Workflow calls whose request went away while their run went on: closed by the run's ending. */
  const abandoned = new Map<string, string>();
  const s = {
    // A workflow's call records its step instance and run like an agent ask does: retention, the
    // inbox's filter by execution and the execution's topic all find it by them.
    insert: db.prepare(
      `INSERT INTO tool_approvals (id, session_id, tool, arguments, message, status, requested_at, expires_at, execution_id, workflow_id, step_id, iteration_path, held_by)
       VALUES (@id, @sessionId, @tool, @args, @message, 'pending', @requestedAt, @expiresAt, @executionId,
               (SELECT workflow_id FROM executions WHERE id = @executionId), @stepId, @iterationPath, @heldBy)`,
    ),
    get: db.prepare<[string], Row>('SELECT * FROM tool_approvals WHERE id = ?'),
    decide: db.prepare(
      "UPDATE tool_approvals SET status = ?, decision = ?, decided_by = ?, decided_by_id = ?, decided_at = ?, comment = ? WHERE id = ? AND status = 'pending'",
    ),
    close: db.prepare(CLOSE_PENDING_SQL('tool_approvals')),
    // An agent step's ask outlives the process: its runner re-attaches by key (agent-asks.ts).
    heldCalls: db.prepare<[], { id: string; held_by: string | null }>("SELECT id, held_by FROM tool_approvals WHERE status = 'pending' AND ask_key IS NULL"),
    orphaned: db.prepare(
      "UPDATE tool_approvals SET status = 'expired', decided_by = 'restart', decided_at = ? WHERE id = ? AND status = 'pending' AND ask_key IS NULL",
    ),
    pendingOfExecution: db.prepare<[string], { id: string }>("SELECT id FROM tool_approvals WHERE execution_id = ? AND status = 'pending' AND ask_key IS NULL"),
  };
  const publish = (row: Row, type: ToolApprovalEvent) => publishToolApproval(journal, row, type);

  /**
   * Pending held calls whose holder is gone (every one without `liveness`): expired, as by a restart.
   * With several servers the expiry is journaled (`approval.decided`): the cards close wherever they
   * are shown, and a holder that was only slow hears it and denies its call.
   */
  function expireOrphaned(): number {
    const orphans = s.heldCalls.all().filter((r) => !waiting.has(r.id) && (liveness?.isGone(r.held_by) ?? true));
    if (orphans.length === 0) return 0;
    journal.transaction(() => {
      const at = clock.now().toISOString();
      for (const { id } of orphans) {
        if (s.orphaned.run(at, id).changes > 0 && journal.bus.following) publish(s.get.get(id)!, 'approval.decided');
      }
    });
    return orphans.length;
  }
  expireOrphaned();

  const settle = (id: string, outcome: Outcome) => {
    const waiter = waiting.get(id);
    waiting.delete(id);
    waiter?.resolve(outcome);
  };

  /**
   * Inside a transaction: a pending approval closes undecided (`approval.closed`). The call is
   * forgotten once that commits: the journal reruns a transaction a deadlock aborted, and the
   * rerun must find the call again (`closeForExecution`).
   */
  const closeWithin = (id: string, closed: ApprovalClosed) => {
    journal.afterCommit(() => abandoned.delete(id));
    if (s.close.run(closed.reason, closed.message, closed.closedAt, id).changes) publish(s.get.get(id)!, 'approval.closed');
  };

  const denied = (why: string): Outcome => ({ approved: false, decidedBy: why, comment: null });

  /** A call decided or closed elsewhere: its waiter gets what the row says (nothing while it is pending). */
  function settleFromRow(id: string): void {
    settleAs(id, s.get.get(id));
  }

  /** Settles the call `id` as `row` (its stored row, read by the caller; undefined: removed) says. */
  function settleAs(id: string, row: Row | undefined): void {
    if (row?.status === 'pending') return;
    abandoned.delete(id);
    if (!row) settle(id, denied('removed'));
    else if (row.status === 'approved' || row.status === 'denied') {
      settle(id, {
        approved: row.status === 'approved',
        decidedBy: row.decided_by ?? 'unknown',
        decidedById: row.decided_by_id ?? undefined,
        comment: row.comment,
      });
    } else settle(id, denied(row.status === 'expired' ? (row.decided_by ?? 'timeout') : (row.closed_reason ?? 'closed')));
  }

  /** The caller stopped waiting: a chat turn's approval closes now; a running workflow's waits for its run's ending. */
  function callWentAway(id: string) {
    const executionId = waiting.get(id)?.executionId;
    settle(id, denied('canceled'));
    if (executionId !== undefined && isActive(executionId)) {
      abandoned.set(id, executionId);
      return;
    }
    journal.transaction(() => closeWithin(id, callCanceled(clock.now().toISOString())));
  }

  return {
    isToolApproval: (id: string) => id.startsWith('tap_'),
    /** Resolves when a person decides (or the request times out or closes, which counts as a denial). */
    request({
      sessionId,
      executionId,
      stepId,
      iterationPath,
      tool,
      args,
      message,
      signal,
    }: {
      sessionId?: string | undefined;
      /** A workflow's call: the execution it runs in (the approval closes when it ends). */
      executionId?: string | undefined;
      /** With `executionId`: the step instance that calls. */
      stepId?: string | undefined;
      iterationPath?: string | undefined;
      tool: string;
      args: unknown;
      message: string;
      signal?: AbortSignal | undefined;
    }) {
      const id = newId('tap');
      const now = clock.now();
      journal.transaction(() => {
        s.insert.run({
          id,
          sessionId: sessionId ?? null,
          tool,
          args: JSON.stringify(args ?? null),
          message,
          requestedAt: now.toISOString(),
          expiresAt: now.getTime() + timeoutMs,
          executionId: executionId ?? null,
          stepId: executionId === undefined ? null : (stepId ?? null),
          iterationPath: executionId === undefined ? '' : (iterationPath ?? ''),
          heldBy: liveness?.id ?? null,
        });
        publish(s.get.get(id)!, 'approval.requested');
      });
      const decided = new Promise<Outcome & { approvalId: string }>((resolve) => {
        waiting.set(id, { resolve: (r) => resolve({ ...r, approvalId: id }), executionId });
        const timer = setTimeout(() => this.expire(id), timeoutMs);
        timer.unref();
        signal?.addEventListener('abort', () => callWentAway(id), { once: true });
      });
      return { approvalId: id, decided };
    },
    /** Nobody decided in time: `expired`, and the call is denied. */
    expire(id: string) {
      const changed = journal.transaction(() => {
        abandoned.delete(id);
        const n = s.decide.run('expired', 'deny', 'timeout', null, clock.now().toISOString(), null, id).changes;
        if (n) publish(s.get.get(id)!, 'approval.decided');
        return n;
      });
      // Decided or closed first (perhaps on another server): the call follows the row, as `decide` does.
      if (changed === 1) settle(id, denied('timeout'));
      else settleFromRow(id);
    },
    /** Inside the transaction that ends an execution: its calls' approvals close with the run's reason. */
    closeForExecution(ending: ExecutionEnding) {
      const closed = closeReasonFor(ending);
      const ids = [...waiting].filter(([, w]) => w.executionId === ending.executionId).map(([id]) => id);
      ids.push(...[...abandoned].filter(([, executionId]) => executionId === ending.executionId).map(([id]) => id));
      // With several servers a call of this run may be held by another one: closed here, that server's
      // request settles from the row (settleFromOthers).
      if (journal.bus.following) for (const { id } of s.pendingOfExecution.all(ending.executionId)) if (!ids.includes(id)) ids.push(id);
      for (const id of ids) {
        closeWithin(id, closed);
        journal.afterCommit(() => settle(id, denied(closed.reason)));
      }
    },
    expireOrphaned,
    /**
     * Several servers: follows the approvals topic, and a held call of this process that another
     * server decided, expired or closed settles from its row. Returns the unsubscribe.
     */
    settleFromOthers(): () => void {
      return journal.subscribe(APPROVALS_TOPIC, (event, origin) => {
        if (origin !== 'remote' || (event.type !== 'approval.decided' && event.type !== 'approval.closed')) return;
        const id = (event.data as { id?: unknown }).id;
        if (typeof id === 'string' && waiting.has(id)) settleFromRow(id);
      });
    },
    /** Re-reads every call this process holds (after a LISTEN reconnect, as the topic catch-up does). */
    settleAllFromRows(): void {
      for (const id of [...waiting.keys()]) settleFromRow(id);
    },
    decide({
      id,
      decision,
      decidedBy,
      decidedById,
      comment,
    }: {
      id: string;
      decision: 'approve' | 'deny';
      decidedBy: string;
      decidedById?: string | undefined;
      comment?: string | undefined;
    }): ToolApproval {
      // Its call is gone: nobody would act on a decision any more (its own transaction: the 409 below rolls back).
      if (abandoned.has(id)) journal.transaction(() => closeWithin(id, callCanceled(clock.now().toISOString())));
      // The UPDATE decides, not the read before it: on PostgreSQL another server's decision can commit
      // in between (the UPDATE waits for it, then changes nothing). Only the decision that changed the
      // row settles the call as itself; otherwise the call follows the row as stored (`stored`), and the
      // answer is the route's for an approval decided before (`answerDecided`).
      let won = false;
      let stored: { row: Row | undefined } | null = null;
      try {
        const result = journal.transaction(() => {
          won = false;
          stored = null;
          const row = s.get.get(id);
          if (row?.status !== 'pending') {
            stored = { row };
            return answerDecided(id, row, decision, view);
          }
          const at = clock.now().toISOString();
          const status = decision === 'approve' ? 'approved' : 'denied';
          const changed = s.decide.run(status, decision, decidedBy, decidedById ?? null, at, comment ?? null, id).changes;
          if (changed !== 1) {
            stored = { row: s.get.get(id) };
            return answerDecided(id, stored.row, decision, view);
          }
          won = true;
          const updated = s.get.get(id)!;
          publish(updated, 'approval.decided');
          return view(updated);
        });
        if (won) settle(id, { approved: decision === 'approve', decidedBy, decidedById, comment: comment ?? null });
        return result;
      } finally {
        // Decided or closed by someone else (here or on another server): the waiting call gets what is stored.
        const seen = stored as { row: Row | undefined } | null;
        if (!won && seen !== null) settleAs(id, seen.row);
      }
    },
    get(id: string): ToolApproval {
      const row = s.get.get(id);
      if (!row) throw notFound(`approval ${id}`);
      return view(row);
    },
    /** Held calls and agent asks, newest first (at most 200). */
    list({
      status,
      sessionId,
      executionId,
    }: {
      status?: 'pending' | 'decided' | undefined;
      sessionId?: string | undefined;
      executionId?: string | undefined;
    }): ToolApproval[] {
      const f = filters();
      f.add(status === 'pending', "status = 'pending'");
      f.add(status === 'decided', "status <> 'pending'");
      f.add(sessionId, 'session_id = ?', sessionId);
      f.add(executionId, 'execution_id = ?', executionId);
      return db
        .prepare<unknown[], Row>(`SELECT * FROM tool_approvals ${f.where()} ORDER BY requested_at DESC, id DESC LIMIT 200`)
        .all(...f.params)
        .map(view);
    },
  };
}

export type ToolApprovals = ReturnType<typeof createToolApprovals>;
