import type { Approval } from '@weft/shared';

/**
 * The columns step approvals (`approvals`) and tool approvals (`tool_approvals`) share: where the
 * request stands, when it lapses, and what a person decided.
 */
export type DecisionColumns = {
  status: Approval['status'];
  requested_at: string;
  expires_at: number;
  decision: 'approve' | 'deny' | null;
  decided_by: string | null;
  decided_at: string | null;
  comment: string | null;
};

/** The approval's timing, status and decision, as the API shows them. */
export function decisionFields(row: DecisionColumns): Pick<Approval, 'requestedAt' | 'expiresAt' | 'status' | 'decision'> {
  return {
    requestedAt: row.requested_at,
    expiresAt: new Date(row.expires_at).toISOString(),
    status: row.status,
    ...(row.decision && row.decided_by && row.decided_at
      ? { decision: { decision: row.decision, decidedBy: row.decided_by, decidedAt: row.decided_at, comment: row.comment } }
      : {}),
  };
}
