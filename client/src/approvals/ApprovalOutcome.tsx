import type { ReactNode } from 'react';
import type { InboxApproval } from '../api/approvals';
import { RelativeTime } from '../components/RelativeTime';

/**
 * How a settled approval reads: who approved or denied it and when, with their comment; or why it
 * closed with nobody deciding. `conflict`: the reader's own answer came too late. `verbs` rename the
 * decision (a question is answered or declined); `children` follow the sentence.
 */
export function ApprovalOutcome({
  approval,
  conflict,
  verbs,
  children,
}: {
  approval: InboxApproval;
  conflict: boolean;
  verbs?: { approve: string; deny: string } | undefined;
  children?: ReactNode;
}) {
  if (approval.status === 'closed') return <Closed approval={approval} conflict={conflict} />;
  const decision = approval.decision;
  if (decision === undefined) return <p className="approval-card__decision muted">{approval.status === 'expired' ? 'Expired' : approval.status}.</p>;
  const verb = approval.status === 'expired' ? 'Timed out' : decision.decision === 'approve' ? (verbs?.approve ?? 'Approved') : (verbs?.deny ?? 'Denied');
  return (
    <div className="approval-card__decision" role="status">
      <p>
        {verb}
        {approval.status !== 'expired' && (
          <>
            {' '}
            by <strong>{decision.decidedBy}</strong>
          </>
        )}{' '}
        <RelativeTime iso={decision.decidedAt} />
        {children}
        {conflict && <span className="muted"> — it was already decided when you answered.</span>}
      </p>
      {decision.comment !== null && decision.comment !== '' && <blockquote className="approval-card__quote">{decision.comment}</blockquote>}
    </div>
  );
}

/** Nobody decided and nobody can: the run ended (or the call went away). Says why, and when. */
function Closed({ approval, conflict }: { approval: InboxApproval; conflict: boolean }) {
  return (
    <div className="approval-card__decision" role="status">
      <p>
        {approval.closed?.message ?? 'Closed before anyone decided.'}
        {approval.closed !== undefined && (
          <span className="muted">
            {' '}
            (closed <RelativeTime iso={approval.closed.closedAt} />)
          </span>
        )}
        {conflict && <span className="muted"> — your answer came after it closed, so nothing was decided.</span>}
      </p>
    </div>
  );
}
