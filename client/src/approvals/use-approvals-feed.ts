import { APPROVALS_TOPIC } from '@weft/shared';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { approvalKeys, approvalsApi } from '../api/approvals';
import { topicHead } from '../api/events';
import { useTopic } from '../api/live-socket';
import { isMissingEndpoint } from '../components/Panels';
import { approvalsStore } from './approvals-store';

/**
 * Keeps the approvals store current: the pending approvals once, then every decision and request
 * from the `approvals` topic (no polling). Mounted by the shell's badge and by the inbox; the
 * socket shares one subscription between them.
 */
export function useApprovalsFeed(): { isPending: boolean; error: unknown; head: number | undefined } {
  const snapshot = useQuery({
    queryKey: [...approvalKeys.all, 'feed'] as const,
    queryFn: async ({ signal }) => {
      // A server without the events API still lists approvals; it just cannot be followed live.
      const head = await topicHead(APPROVALS_TOPIC, signal).catch((error: unknown) => {
        if (isMissingEndpoint(error)) return null;
        throw error;
      });
      const pending = await approvalsApi.list({ status: 'pending' }, signal);
      return { head, pending };
    },
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  const data = snapshot.data;
  useEffect(() => {
    if (data !== undefined) approvalsStore.upsertMany(data.pending);
  }, [data]);
  useTopic(
    APPROVALS_TOPIC,
    (event) => {
      approvalsStore.applyEventData(event.data);
      // Events are the same for everyone; whether this person may decide a new or still-pending one is theirs to ask.
      const id = (event.data as { id?: unknown } | null)?.id;
      if ((event.type === 'approval.requested' || event.type === 'approval.decision_recorded') && typeof id === 'string')
        void approvalsApi.get(id).then(approvalsStore.upsert, () => undefined);
    },
    // Away longer than the journal keeps the topic's events (retention): list them again.
    { after: data?.head ?? 0, enabled: typeof data?.head === 'number', onPruned: () => void snapshot.refetch() },
  );
  return { isPending: snapshot.isPending, error: snapshot.error, head: data?.head ?? undefined };
}
