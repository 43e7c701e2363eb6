import { APPROVALS_TOPIC, sessionTopic, type ToolApproval } from '@weft/shared';
import { decisionFields, type DecisionColumns } from './decision-columns';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';

type Row = DecisionColumns & {
  id: string;
  session_id: string | null;
  tool: string;
  arguments: string;
  message: string;
};

const view = (r: Row): ToolApproval => ({
  id: r.id,
  kind: 'tool',
  sessionId: r.session_id,
  executionId: null,
  workflowId: null,
  stepId: null,
  iterationPath: '',
  tool: { name: r.tool, arguments: JSON.parse(r.arguments) as unknown },
  message: r.message,
  approvers: [],
  ...decisionFields(r),
});

/**
 * Tool calls the registry holds for a person (every state change the assistant asks for, a
 * workflow's destructive call) wait here. The waiting caller holds a promise; a decision made
 * anywhere (chat card, inbox, API) settles it. Pending rows left by a restart are expired.
 */
export function createToolApprovals({ db, journal, clock, timeoutMs = 60 * 60 * 1000 }: { db: Db; journal: Journal; clock: Clock; timeoutMs?: number }) {
  const waiting = new Map<string, (r: { approved: boolean; decidedBy: string; comment: string | null }) => void>();
  const s = {
    insert: db.prepare(
      "INSERT INTO tool_approvals (id, session_id, tool, arguments, message, status, requested_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
    ),
    get: db.prepare<[string], Row>('SELECT * FROM tool_approvals WHERE id = ?'),
    decide: db.prepare("UPDATE tool_approvals SET status = ?, decision = ?, decided_by = ?, decided_at = ?, comment = ? WHERE id = ? AND status = 'pending'"),
    list: db.prepare<[], Row>('SELECT * FROM tool_approvals ORDER BY requested_at DESC LIMIT 200'),
    orphaned: db.prepare("UPDATE tool_approvals SET status = 'expired', decided_by = 'restart', decided_at = ? WHERE status = 'pending'"),
  };
  const publish = (row: Row, type: 'approval.requested' | 'approval.decided') => {
    journal.append(APPROVALS_TOPIC, type, view(row));
    if (row.session_id) journal.append(sessionTopic(row.session_id), type, view(row));
  };
  journal.transaction(() => {
    s.orphaned.run(clock.now().toISOString());
  });

  const settle = (id: string, outcome: { approved: boolean; decidedBy: string; comment: string | null }) => {
    const resolve = waiting.get(id);
    waiting.delete(id);
    resolve?.(outcome);
  };

  return {
    isToolApproval: (id: string) => id.startsWith('tap_'),
    /** Resolves when a person decides (or the request times out, which counts as a denial). */
    request({
      sessionId,
      tool,
      args,
      message,
      signal,
    }: {
      sessionId?: string | undefined;
      tool: string;
      args: unknown;
      message: string;
      signal?: AbortSignal | undefined;
    }) {
      const id = newId('tap');
      const now = clock.now();
      journal.transaction(() => {
        s.insert.run(id, sessionId ?? null, tool, JSON.stringify(args ?? null), message, now.toISOString(), now.getTime() + timeoutMs);
        publish(s.get.get(id)!, 'approval.requested');
      });
      const decided = new Promise<{ approved: boolean; decidedBy: string; comment: string | null; approvalId: string }>((resolve) => {
        waiting.set(id, (r) => resolve({ ...r, approvalId: id }));
        const timer = setTimeout(() => this.expire(id, 'timeout'), timeoutMs);
        timer.unref();
        signal?.addEventListener('abort', () => this.expire(id, 'canceled'), { once: true });
      });
      return { approvalId: id, decided };
    },
    expire(id: string, why: 'timeout' | 'canceled') {
      journal.transaction(() => {
        const changed = s.decide.run(why === 'timeout' ? 'expired' : 'canceled', 'deny', why, clock.now().toISOString(), null, id).changes;
        if (changed) publish(s.get.get(id)!, 'approval.decided');
      });
      settle(id, { approved: false, decidedBy: why, comment: null });
    },
    decide({ id, decision, decidedBy, comment }: { id: string; decision: 'approve' | 'deny'; decidedBy: string; comment?: string | undefined }): ToolApproval {
      const result = journal.transaction(() => {
        const row = s.get.get(id);
        if (!row) throw notFound(`approval ${id}`);
        if (row.status !== 'pending') {
          // Expired and canceled ones record `deny`, but nobody decided them: closed for every decision.
          if (row.status === 'expired' || row.status === 'canceled')
            throw new AppError(409, 'approval_closed', `approval ${id} is ${row.status}`, { approval: view(row) });
          if (row.decision === decision) return view(row);
          throw new AppError(409, 'already_decided', `approval ${id} was already ${row.status} by ${row.decided_by}`, { approval: view(row) });
        }
        s.decide.run(decision === 'approve' ? 'approved' : 'denied', decision, decidedBy, clock.now().toISOString(), comment ?? null, id);
        const updated = s.get.get(id)!;
        publish(updated, 'approval.decided');
        return view(updated);
      });
      settle(id, { approved: decision === 'approve', decidedBy, comment: comment ?? null });
      return result;
    },
    get(id: string): ToolApproval {
      const row = s.get.get(id);
      if (!row) throw notFound(`approval ${id}`);
      return view(row);
    },
    list({ status, sessionId }: { status?: 'pending' | 'decided' | undefined; sessionId?: string | undefined }): ToolApproval[] {
      return s.list
        .all()
        .filter((r) => (status === 'pending' ? r.status === 'pending' : status === 'decided' ? r.status !== 'pending' : true))
        .filter((r) => sessionId === undefined || r.session_id === sessionId)
        .map(view);
    },
  };
}

export type ToolApprovals = ReturnType<typeof createToolApprovals>;
