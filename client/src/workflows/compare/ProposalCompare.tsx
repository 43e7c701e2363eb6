import { useQuery } from '@tanstack/react-query';
import type { WorkflowProposal } from '@weft/shared';
import { useMemo } from 'react';
import { workflowKeys, workflowsApi } from '../../api/workflows';
import { ErrorPanel } from '../../components/Panels';
import { SkeletonLine } from '../../components/Skeleton';
import { UndrawableDefinition } from '../../diagram/UndrawableDefinition';
import { parseDefinition } from '../../lib/definition';
import { VersionCompareView } from './VersionCompareView';

/**
 * A change not applied yet on the diagram: the stored version it was made on beside the proposed
 * definition (a workflow's proposals card, a fix in the chat).
 */
export function ProposalCompare({
  workflowId,
  proposal,
  compact = false,
}: {
  workflowId: string;
  proposal: Pick<WorkflowProposal, 'baseVersion' | 'definition'>;
  compact?: boolean;
}) {
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
  return (
    <VersionCompareView before={before.definition} after={after.definition} beforeLabel={`v${proposal.baseVersion}`} afterLabel="Proposed" compact={compact} />
  );
}
