import { APPROVALS_TOPIC } from '@weft/shared';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { approvalKeys, approvalsApi } from '../api/approvals';
import { isApiError } from '../api/http';
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
      const id = (event.data as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') {
        recheckAsksSeenAsApprover();
        return;
      }
      approvalsStore.applyEventData(event.data);
      // Events are the same for everyone; whether this person may decide a new or still-pending one is theirs to ask.
      if (event.type === 'approval.requested' || event.type === 'approval.decision_recorded')
        void approvalsApi.get(id).then(approvalsStore.upsert, () => undefined);
    },
    // Away longer than the journal keeps the topic's events (retention): list them again.
    { after: data?.head ?? 0, enabled: typeof data?.head === 'number', onPruned: () => void snapshot.refetch() },
  );
  return { isPending: snapshot.isPending, error: snapshot.error, head: data?.head ?? undefined };
}

/** Asks being asked about again: the badge and the inbox both follow the topic, one request serves both. */
const rechecking = new Set<string>();

/**
 * An event with no data is about a tool approval this person may not read (its seq alone, docs/api.md
 * "Ownership"). It may be the decision of an agent's ask they saw pending only because its rule named
 * them, in a chat they may not read (`sessionId: null`): once decided it is no longer theirs to see,
 * so no event of it reaches them. Each such ask still pending here is asked about again: its answer
 * replaces it, a 404 takes it away.
 */
function recheckAsksSeenAsApprover(): void {
  for (const a of approvalsStore.all()) {
    if (a.kind !== 'tool' || a.ask === undefined || a.sessionId !== null || a.status !== 'pending' || rechecking.has(a.id)) continue;
    rechecking.add(a.id);
    approvalsApi
      .get(a.id)
      .then(approvalsStore.upsert, (error: unknown) => {
        if (isApiError(error) && error.isNotFound) approvalsStore.remove(a.id);
      })
      .finally(() => rechecking.delete(a.id));
  }
}
