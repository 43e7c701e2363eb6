import '../workflows.css';
import { useQuery } from '@tanstack/react-query';
import type { WorkflowProposal } from '@weft/shared';
import { useMemo, useState } from 'react';
import { workflowKeys, workflowsApi } from '../../api/workflows';
import { ErrorPanel } from '../../components/Panels';
import { RelativeTime } from '../../components/RelativeTime';
import { SkeletonLine } from '../../components/Skeleton';
import { UndrawableDefinition } from '../../diagram/UndrawableDefinition';
import { parseDefinition } from '../../lib/definition';
import { VersionCompareView } from '../compare/VersionCompareView';

/**
 * Changes the assistant proposed and nobody applied yet, each openable as the compare view: the
 * version it was made on beside the proposed definition. Nothing shows while there are none.
 */
export function ProposalsCard({ workflowId, currentVersion }: { workflowId: string; currentVersion: number }) {
  const proposals = useQuery({ queryKey: workflowKeys.proposals(workflowId), queryFn: ({ signal }) => workflowsApi.proposals(workflowId, signal) });
  const [shown, setShown] = useState<string | null>(null);
  const pending = (proposals.data ?? []).filter((p) => p.status === 'open' || p.status === 'accepted');
  if (pending.length === 0) return null;
  const open = pending.find((p) => p.id === shown) ?? null;

  return (
    <section className="card proposals-card" aria-labelledby="proposals-title" data-testid="proposals">
      <div className="card__header">
        <h2 id="proposals-title">Proposed changes</h2>
        <span className="muted">Made by the assistant; applied only when a person decides in the chat.</span>
      </div>
      <ul className="proposals">
        {pending.map((proposal) => (
          <li key={proposal.id} className="proposals__item">
            <div className="proposals__text">
              <span className="proposals__title">{proposal.summary ?? 'A proposed change'}</span>
              <span className="muted">
                On v{proposal.baseVersion} · {proposal.status === 'accepted' ? 'accepted, not applied yet' : 'waiting for review'} ·{' '}
                <RelativeTime iso={proposal.createdAt} />
              </span>
            </div>
            <button
              type="button"
              className="btn btn--small"
              aria-expanded={open?.id === proposal.id}
              onClick={() => setShown(open?.id === proposal.id ? null : proposal.id)}
            >
              {open?.id === proposal.id ? 'Hide changes' : 'Show changes'}
            </button>
          </li>
        ))}
      </ul>
      {open !== null && (
        <div className="card__body">
          {open.baseVersion !== currentVersion && (
            <p className="alert alert--info">
              This proposal was made on v{open.baseVersion}; the workflow is now at v{currentVersion}, so applying it would be refused.
            </p>
          )}
          <ProposalCompare workflowId={workflowId} proposal={open} />
        </div>
      )}
    </section>
  );
}

function ProposalCompare({ workflowId, proposal }: { workflowId: string; proposal: WorkflowProposal }) {
  const base = useQuery({
    queryKey: workflowKeys.version(workflowId, proposal.baseVersion),
    queryFn: ({ signal }) => workflowsApi.version(workflowId, proposal.baseVersion, signal),
    staleTime: Number.POSITIVE_INFINITY, // a stored version never changes
  });
  const before = useMemo(() => (base.data ? parseDefinition(base.data.definition) : null), [base.data]);
  const after = useMemo(() => parseDefinition(proposal.definition), [proposal.definition]);
  if (base.isError)
    return <ErrorPanel error={base.error} title={`Could not load v${proposal.baseVersion}`} onRetry={() => void base.refetch()} retrying={base.isFetching} />;
  if (before === null) return <SkeletonLine width="40%" height={16} />;
  if (!before.ok || !after.ok) return <UndrawableDefinition problem={!before.ok ? before.message : after.ok ? '' : after.message} />;
  return <VersionCompareView before={before.definition} after={after.definition} beforeLabel={`v${proposal.baseVersion}`} afterLabel="Proposed" />;
}
