import { describeApprovers } from '@weft/shared';
import type { InboxApproval } from '../api/approvals';
import { isApiError } from '../api/http';

/** The message of a 403 `not_an_approver` (the server says who may decide and why not), else null. */
export function refusalOf(error: unknown): string | null {
  return isApiError(error) && error.code === 'not_an_approver' ? error.message : null;
}

/** "1 of 2 approvals: Ana approved" — everyone who decided so far, in order. */
export function tallyText(approval: InboxApproval): string | null {
  const decisions = approval.decisions ?? [];
  const needed = approval.approvalsNeeded ?? 1;
  if (needed <= 1 && decisions.length === 0) return null;
  const who = decisions.map((d) => `${d.by.name} ${d.decision === 'approve' ? 'approved' : 'denied'}`).join(', ');
  const count = needed > 1 ? `${approval.approvalsSoFar ?? 0} of ${needed} approvals` : null;
  return [count, who].filter((part) => part !== null && part !== '').join(': ');
}

/**
 * Under a step approval's question: how many approvals it has and needs, who gave them, and, while
 * it waits, who may still decide.
 */
export function ApproversLine({ approval }: { approval: InboxApproval }) {
  const tally = tallyText(approval);
  const approvers = approval.approvers ?? {};
  const named = (approvers.users?.length ?? 0) + (approvers.roles?.length ?? 0) > 0;
  const pending = approval.status === 'pending';
  if (tally === null && !(pending && named)) return null;
  return (
    <div className="approval-card__tally">
      {tally !== null && <p data-testid="approval-tally">{tally}</p>}
      {pending && named && <p className="muted">May decide: {describeApprovers(approvers)}</p>}
    </div>
  );
}
