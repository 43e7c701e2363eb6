import '../workflows.css';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { WORKFLOWS_TOPIC } from '@weft/shared';
import { useState } from 'react';
import { topicHead } from '../../api/events';
import { useTopicBatches } from '../../api/live-socket';
import { workflowKeys, workflowsApi } from '../../api/workflows';
import { RelativeTime } from '../../components/RelativeTime';
import { ProposalCompare } from '../compare/ProposalCompare';

/**
 * Changes the assistant proposed and nobody applied yet, each openable as the compare view: the
 * version it was made on beside the proposed definition. Nothing shows while there are none. Live:
 * a proposal made, decided or applied elsewhere appears or goes without a reload.
 */
export function ProposalsCard({ workflowId, currentVersion }: { workflowId: string; currentVersion: number }) {
  const queryClient = useQueryClient();
  // The `workflows` topic's head first, then the list: following it from there misses nothing.
  const head = useQuery({
    queryKey: ['topic-head', WORKFLOWS_TOPIC, 'proposals', workflowId],
    queryFn: ({ signal }) => topicHead(WORKFLOWS_TOPIC, signal),
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const proposals = useQuery({
    queryKey: workflowKeys.proposals(workflowId),
    queryFn: ({ signal }) => workflowsApi.proposals(workflowId, signal),
    enabled: head.isFetched,
  });
  // Live: a proposal made in a chat, accepted, rejected or applied names its workflow in
  // `proposal.updated`; the list is read again (they change seldom), once per burst.
  useTopicBatches(
    WORKFLOWS_TOPIC,
    (events) => {
      if (events.some((e) => e.type === 'proposal.updated' && (e.data as { workflowId?: unknown } | null)?.workflowId === workflowId))
        void queryClient.invalidateQueries({ queryKey: workflowKeys.proposals(workflowId) });
    },
    { after: head.data ?? 0, enabled: head.isSuccess && proposals.isSuccess },
  );
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
