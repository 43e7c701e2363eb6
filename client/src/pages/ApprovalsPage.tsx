import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Approval } from '@weft/shared';
import { Link } from 'react-router';
import { approvalKeys, approvalsApi } from '../api/approvals';
import { ApprovalsIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { describeError, EmptyPanel, ErrorPanel, isMissingEndpoint, UnavailablePanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { PENDING_APPROVALS_REFRESH_MS } from '../shell/ApprovalsBadge';

export function ApprovalsPage() {
  const pending = useQuery({
    queryKey: approvalKeys.pending(),
    queryFn: ({ signal }) => approvalsApi.pending(signal),
    refetchInterval: (query) => (isMissingEndpoint(query.state.error) ? false : PENDING_APPROVALS_REFRESH_MS),
  });

  return (
    <div className="page">
      <title>Approvals · Weft</title>
      <PageHeader title="Approvals" subtitle="Runs waiting at an approval gate for your decision." />
      {pending.isPending ? (
        <div className="card">
          <SkeletonRows label="Loading approvals" rows={3} columns={1} />
        </div>
      ) : pending.isError && isMissingEndpoint(pending.error) ? (
        <UnavailablePanel title="Approvals are not available yet" onRetry={() => void pending.refetch()} retrying={pending.isFetching}>
          This server does not have the approvals API yet. Once it does, runs waiting for a decision appear here.
        </UnavailablePanel>
      ) : pending.isError ? (
        <ErrorPanel error={pending.error} title="Could not load approvals" onRetry={() => void pending.refetch()} retrying={pending.isFetching} />
      ) : pending.data.length === 0 ? (
        <EmptyPanel icon={<ApprovalsIcon />} title="Nothing waiting for you">
          When a run reaches an approval step, it waits here until someone approves or denies it.
        </EmptyPanel>
      ) : (
        <div className="card approvals-list">
          <ul className="list" aria-label="Pending approvals">
            {pending.data.map((approval) => (
              <ApprovalRow key={approval.id} approval={approval} />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function ApprovalRow({ approval }: { approval: Approval }) {
  const queryClient = useQueryClient();
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'deny') => approvalsApi.decide({ id: approval.id, decision }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: approvalKeys.all }),
  });
  return (
    <li className="list__row">
      <div className="list__primary">
        <span className="list__title" style={{ whiteSpace: 'normal' }}>
          {approval.message}
        </span>
        <span className="list__desc muted">
          Step <code>{approval.stepId}</code>
          {approval.iterationPath !== '' && (
            <>
              {' '}
              (<code>{approval.iterationPath}</code>)
            </>
          )}{' '}
          · <Link to={`/automation/executions/${encodeURIComponent(approval.executionId)}`}>view run</Link> · requested <RelativeTime iso={approval.requestedAt} /> ·
          expires <RelativeTime iso={approval.expiresAt} />
        </span>
        {decide.isError && (
          <span className="field__error" role="alert">
            {describeError(decide.error)}
          </span>
        )}
      </div>
      <div style={{ display: 'flex', gap: 8 }}>
        <button type="button" className="btn" disabled={decide.isPending} onClick={() => decide.mutate('deny')}>
          Deny
        </button>
        <button type="button" className="btn btn--primary" disabled={decide.isPending} onClick={() => decide.mutate('approve')}>
          Approve
        </button>
      </div>
    </li>
  );
}
