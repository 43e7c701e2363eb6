import { useApprovalsFeed } from '../approvals/use-approvals-feed';
import { useDecidableApprovalIds } from '../approvals/approvals-store';

/** Pending approvals, live from the `approvals` topic; hidden when there are none or the server has no approvals API. */
export function ApprovalsBadge() {
  const feed = useApprovalsFeed();
  const count = useDecidableApprovalIds().length;
  if (feed.error !== null || count === 0) return null;
  return (
    <span className="nav__badge">
      <span aria-hidden="true">{count > 99 ? '99+' : count}</span>
      <span className="visually-hidden">{count} pending</span>
    </span>
  );
}
