import { APPROVALS_TOPIC } from '@weft/shared';
import './approvals.css';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { approvalKeys, approvalsApi, type InboxApproval } from '../api/approvals';
import { useTopic } from '../api/live-socket';
import { ApprovalCard } from './ApprovalCard';
import { approvalsStore, useDecidableApprovalIds, usePendingApprovalIds } from './approvals-store';
import { useApprovalsFeed } from './use-approvals-feed';
import { ApprovalsIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel, isMissingEndpoint, UnavailablePanel } from '../components/Panels';
import { SkeletonRows } from '../components/Skeleton';

type Tab = 'pending' | 'decided';

export function ApprovalsPage() {
  const [search, setSearch] = useSearchParams();
  const tab: Tab = search.get('tab') === 'decided' ? 'decided' : 'pending';
  const pendingCount = useDecidableApprovalIds().length;
  const select = (next: Tab) => setSearch(next === 'pending' ? {} : { tab: next }, { replace: true });

  return (
    <div className="page">
      <title>Approvals · Weft</title>
      <PageHeader title="Approvals" subtitle="Runs and assistant actions waiting for a person to say yes or no." />
      <div className="tabs" role="tablist" aria-label="Approvals">
        <button type="button" role="tab" className="tabs__tab" aria-selected={tab === 'pending'} onClick={() => select('pending')}>
          Waiting {pendingCount > 0 && <span className="tabs__count">{pendingCount}</span>}
        </button>
        <button type="button" role="tab" className="tabs__tab" aria-selected={tab === 'decided'} onClick={() => select('decided')}>
          Decided
        </button>
      </div>
      {tab === 'pending' ? <PendingTab /> : <DecidedTab />}
    </div>
  );
}

/**
 * Live: new requests appear; a decision (made here or anywhere) or a run that ends takes its card
 * away at once (it moves to "Decided"). A card answered too late stays, saying why it closed.
 */
function PendingTab() {
  const feed = useApprovalsFeed();
  const pendingIds = usePendingApprovalIds();
  const decidable = useDecidableApprovalIds();
  const [late, setLate] = useState<readonly string[]>([]);
  const keepLate = useCallback((id: string) => setLate((current) => (current.includes(id) ? current : [id, ...current])), []);

  if (feed.isPending) return <Loading />;
  if (feed.error !== null) return <LoadError error={feed.error} />;
  const shown = [...late.filter((id) => !pendingIds.includes(id)), ...pendingIds];
  const approvals = shown.map((id) => approvalsStore.get(id)).filter((a): a is InboxApproval => a !== undefined);
  if (approvals.length === 0) {
    return (
      <EmptyPanel icon={<ApprovalsIcon />} title="Nothing waiting for you">
        When a run reaches an approval step, the chat assistant wants to change something, or a run wants to call a destructive tool, it waits here until
        someone approves or denies it.
      </EmptyPanel>
    );
  }
  // What this person may decide comes first; the rest (someone else's to decide) follows, with the reason on each card.
  const yours = approvals.filter((a) => decidable.includes(a.id) || late.includes(a.id));
  const others = approvals.filter((a) => !yours.includes(a));
  return (
    <>
      <InboxGroup title={others.length > 0 ? 'Yours to decide' : null} label="Waiting approvals" approvals={yours} onLateDecision={keepLate} />
      <InboxGroup title="Waiting for others" label="Waiting for others" approvals={others} onLateDecision={keepLate} />
    </>
  );
}

function InboxGroup({
  title,
  label,
  approvals,
  onLateDecision,
}: {
  title: string | null;
  label: string;
  approvals: readonly InboxApproval[];
  onLateDecision: (id: string) => void;
}) {
  if (approvals.length === 0) return null;
  return (
    <section className="approval-inbox__group">
      {title !== null && <h2 className="approval-inbox__heading">{title}</h2>}
      <ul className="approval-inbox" aria-label={label}>
        {approvals.map((approval) => (
          <li key={approval.id}>
            <ApprovalCard approval={approval} context="inbox" onLateDecision={onLateDecision} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function DecidedTab() {
  const queryClient = useQueryClient();
  const feed = useApprovalsFeed();
  const decided = useQuery({
    queryKey: approvalKeys.list({ status: 'decided' }),
    queryFn: async ({ signal }) => {
      const list = await approvalsApi.list({ status: 'decided', limit: 100 }, signal);
      approvalsStore.upsertMany(list);
      return list;
    },
  });
  // A decision made anywhere refreshes the list; no polling.
  useTopic(
    APPROVALS_TOPIC,
    (event) => {
      // An event without data is about an approval this person may not read: not in their list either.
      if ((event.data as { id?: unknown } | null)?.id === undefined) return;
      if (event.type === 'approval.decided' || event.type === 'approval.decision_recorded' || event.type === 'approval.closed')
        void queryClient.invalidateQueries({ queryKey: approvalKeys.list({ status: 'decided' }) });
    },
    { enabled: feed.head !== undefined, after: feed.head ?? 0 },
  );

  if (decided.isPending) return <Loading />;
  if (decided.isError) return <LoadError error={decided.error} onRetry={() => void decided.refetch()} />;
  if (decided.data.length === 0) {
    return (
      <EmptyPanel icon={<ApprovalsIcon />} title="No decisions yet">
        Approved, denied, expired and closed requests are listed here with who decided and when, or why nobody could.
      </EmptyPanel>
    );
  }
  return (
    <ul className="approval-inbox" aria-label="Decided approvals">
      {decided.data.map((approval) => (
        <li key={approval.id}>
          <ApprovalCard approval={approval} context="inbox" />
        </li>
      ))}
    </ul>
  );
}

function Loading() {
  return (
    <div className="card">
      <SkeletonRows label="Loading approvals" rows={3} columns={1} />
    </div>
  );
}

function LoadError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (isMissingEndpoint(error)) {
    return (
      <UnavailablePanel title="Approvals are not available yet">
        This server does not have the approvals API yet. Once it does, runs waiting for a decision appear here.
      </UnavailablePanel>
    );
  }
  return <ErrorPanel error={error} title="Could not load approvals" {...(onRetry ? { onRetry } : {})} />;
}
