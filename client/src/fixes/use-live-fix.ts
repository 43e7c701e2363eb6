import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { ExecutionFix, ExecutionSummary, executionTopic, isFinishedExecution, WORKFLOWS_TOPIC } from '@weft/shared';
import { topicHead } from '../api/events';
import { executionsApi } from '../api/executions';
import { fixesApi, fixKeys } from '../api/fixes';
import { useTopic } from '../api/live-socket';

type FixSnapshot = { head: number; fix: ExecutionFix };
type FixListSnapshot = { head: number; fixes: ExecutionFix[] };

/**
 * The newer of two states of one fix. A fix's status only moves forward, and events between the
 * topic head and the snapshot replay over a snapshot that already has them: an older state never
 * wins.
 */
export function newerFix(current: ExecutionFix | undefined, next: ExecutionFix): ExecutionFix {
  return current === undefined || next.updatedAt >= current.updatedAt ? next : current;
}

/** A fix state the server answered or published, into every cache that shows it. */
export function storeFix(queryClient: QueryClient, fix: ExecutionFix): void {
  queryClient.setQueryData<FixSnapshot>(fixKeys.detail(fix.id), (data) => (data === undefined ? data : { ...data, fix: newerFix(data.fix, fix) }));
  queryClient.setQueryData<FixListSnapshot>(fixKeys.ofExecution(fix.executionId), (data) => {
    if (data === undefined) return data;
    const known = data.fixes.find((f) => f.id === fix.id);
    // A fix made after the list was read is the newest.
    return { ...data, fixes: known === undefined ? [fix, ...data.fixes] : data.fixes.map((f) => (f.id === fix.id ? newerFix(f, fix) : f)) };
  });
}

/** Follows `fix.updated` on the workflows topic from `head` (the position the caller's snapshot is consistent with). */
function useFixUpdates(head: number | undefined): void {
  const queryClient = useQueryClient();
  useTopic(
    WORKFLOWS_TOPIC,
    (event) => {
      if (event.type !== 'fix.updated') return;
      const parsed = ExecutionFix.safeParse(event.data);
      if (parsed.success) storeFix(queryClient, parsed.data);
    },
    { after: head ?? 0, enabled: head !== undefined },
  );
}

/** One fix, read once and then kept current by `fix.updated`. */
export function useLiveFix(fixId: string) {
  const query = useQuery({
    queryKey: fixKeys.detail(fixId),
    queryFn: async ({ signal }): Promise<FixSnapshot> => {
      const head = await topicHead(WORKFLOWS_TOPIC, signal);
      return { head, fix: await fixesApi.get(fixId, signal) };
    },
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  useFixUpdates(query.data?.head);
  return query;
}

/** A run's fixes, newest first, kept current by `fix.updated`. */
export function useLiveExecutionFixes(executionId: string) {
  const query = useQuery({
    queryKey: fixKeys.ofExecution(executionId),
    queryFn: async ({ signal }): Promise<FixListSnapshot> => {
      const head = await topicHead(WORKFLOWS_TOPIC, signal);
      return { head, fixes: await fixesApi.ofExecution(executionId, signal) };
    },
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  useFixUpdates(query.data?.head);
  return query;
}

/**
 * A re-run's status as it is now: what the fix said when read, then the run's own
 * `execution.updated` events, so the card moves from running to succeeded whether or not the
 * server publishes the fix again when the run ends.
 */
export function useRerunStatus(rerun: ExecutionFix['rerun']): string | null {
  // A finished re-run never changes again: nothing to read or follow.
  const executionId = rerun === null || isFinishedExecution(rerun.status) ? null : rerun.executionId;
  const queryClient = useQueryClient();
  const key = ['fixes', 'rerun-status', executionId] as const;
  const query = useQuery({
    queryKey: key,
    queryFn: async ({ signal }) => {
      const topic = executionTopic(executionId!);
      const head = await topicHead(topic, signal);
      const execution = await executionsApi.get(executionId!, signal);
      return { head, status: execution.status as string };
    },
    enabled: executionId !== null,
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  useTopic(
    executionId === null ? null : executionTopic(executionId),
    (event) => {
      if (event.type !== 'execution.updated') return;
      const parsed = ExecutionSummary.safeParse(event.data);
      if (parsed.success && parsed.data.id === executionId)
        queryClient.setQueryData(key, (data: { head: number; status: string } | undefined) => data && { ...data, status: parsed.data.status });
    },
    { after: query.data?.head ?? 0, enabled: query.isSuccess },
  );
  if (rerun === null) return null;
  // Whichever saw the run finish first is right: a finished run never runs again.
  if (isFinishedExecution(rerun.status)) return rerun.status;
  return query.data?.status ?? rerun.status;
}
