import { ApproverRule, type ApprovalDecisionEntry, type ApprovalRules } from '@weft/shared';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import type { ApprovalParties } from './approver-rules';

/** The approval columns that hold its rules (migration 017). */
export type RuleColumns = { execution_id: string; approvers: string; min_approvals: number; allow_self_approval: number };

type DecisionRow = { principal_id: string; principal_name: string; decision: 'approve' | 'deny'; comment: string | null; decided_at: string };

/** An approval's stored rules; a list of names written before approver rules reads as `users`. */
export function rulesOf(row: RuleColumns): ApprovalRules {
  const approvers = ApproverRule.safeParse(JSON.parse(row.approvers));
  const rule = approvers.success ? approvers.data : {};
  return { approvers: rule.users?.length === 0 ? {} : rule, minApprovals: row.min_approvals, allowSelfApproval: row.allow_self_approval === 1 };
}

/**
 * Every person's decision on a step approval (`approval_decisions`), and who the rules keep from
 * deciding: the user who started the run and the one who saved the version it runs.
 */
export function createApprovalDecisions(db: Db) {
  const s = {
    insert: db.prepare(
      'INSERT INTO approval_decisions (id, approval_id, principal_id, principal_name, decision, comment, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    of: db.prepare<[string], DecisionRow>('SELECT * FROM approval_decisions WHERE approval_id = ? ORDER BY decided_at, id'),
    selves: db.prepare<[string], { started_by_kind: string | null; started_by_id: string | null; saved_by: string | null }>(
      `SELECT e.started_by_kind, e.started_by_id, v.saved_by FROM executions e
       LEFT JOIN workflow_versions v ON v.workflow_id = e.workflow_id AND v.version = e.workflow_version WHERE e.id = ?`,
    ),
  };

  const of = (approvalId: string): ApprovalDecisionEntry[] =>
    s.of.all(approvalId).map((r) => ({ by: { id: r.principal_id, name: r.principal_name }, decision: r.decision, comment: r.comment, at: r.decided_at }));

  return {
    of,

    record(input: { approvalId: string; by: { id: string; name: string }; decision: 'approve' | 'deny'; comment: string | null; at: string }) {
      s.insert.run(newId('apd'), input.approvalId, input.by.id, input.by.name, input.decision, input.comment, input.at);
    },

    /** Who the rules look at for this approval; a run a schedule or webhook started has no starter. */
    partiesOf(row: RuleColumns & { id: string }): ApprovalParties {
      const selves = s.selves.get(row.execution_id);
      return {
        rules: rulesOf(row),
        // A run the assistant started for a person is theirs (tools/tool.ts startedByOf): the same rule.
        startedBy: selves?.started_by_kind === 'user' || selves?.started_by_kind === 'assistant' ? selves.started_by_id : null,
        savedBy: selves?.saved_by ?? null,
        decidedBy: of(row.id).map((d) => d.by.id),
      };
    },
  };
}

export type ApprovalDecisions = ReturnType<typeof createApprovalDecisions>;
