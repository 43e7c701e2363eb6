import { useQuery } from '@tanstack/react-query';
import { approvalKeys, approvalsApi } from '../api/approvals';
import { isMissingEndpoint } from '../components/Panels';

export const PENDING_APPROVALS_REFRESH_MS = 10_000;

/** Pending approvals, refreshed every 10 s; hidden when there are none or the server has no approvals API. */
export function ApprovalsBadge() {
  const pending = useQuery({
    queryKey: approvalKeys.pending(),
    queryFn: ({ signal }) => approvalsApi.pending(signal),
    refetchInterval: (query) => (isMissingEndpoint(query.state.error) ? false : PENDING_APPROVALS_REFRESH_MS),
  });
  const count = pending.data?.length ?? 0;
  if (pending.isError || count === 0) return null;
  return (
    <span className="nav__badge" aria-label={`${count} pending`}>
      {count > 99 ? '99+' : count}
    </span>
  );
}
