import type { Approval, ApprovalClosed } from '@weft/shared';

/**
 * The columns step approvals (`approvals`) and tool approvals (`tool_approvals`) share: where the
 * request stands, when it lapses, what a person decided, or why it closed undecided.
 */
export type DecisionColumns = {
  status: Approval['status'];
  requested_at: string;
  expires_at: number;
  decision: 'approve' | 'deny' | null;
  decided_by: string | null;
  decided_at: string | null;
  comment: string | null;
  closed_reason: ApprovalClosed['reason'] | null;
  closed_message: string | null;
  closed_at: string | null;
};

/** The approval's timing, status and decision (or closing), as the API shows them. */
export function decisionFields(row: DecisionColumns): Pick<Approval, 'requestedAt' | 'expiresAt' | 'status' | 'decision' | 'closed'> {
  return {
    requestedAt: row.requested_at,
    expiresAt: new Date(row.expires_at).toISOString(),
    status: row.status,
    ...(row.decision && row.decided_by && row.decided_at
      ? { decision: { decision: row.decision, decidedBy: row.decided_by, decidedAt: row.decided_at, comment: row.comment } }
      : {}),
    ...(row.status === 'closed' && row.closed_reason && row.closed_message && row.closed_at
      ? { closed: { reason: row.closed_reason, message: row.closed_message, closedAt: row.closed_at } }
      : {}),
  };
}

/** The SET clause that closes a pending row: `closed` with why (params: reason, message, at, id). */
export const CLOSE_PENDING_SQL = (table: 'approvals' | 'tool_approvals') =>
  `UPDATE ${table} SET status = 'closed', closed_reason = ?, closed_message = ?, closed_at = ? WHERE id = ? AND status = 'pending'`;
