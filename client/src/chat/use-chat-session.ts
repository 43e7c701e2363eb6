import { useQuery } from '@tanstack/react-query';
import { sessionTopic, type ExecutionSummary, type Message } from '@weft/shared';
import { useCallback, useEffect, useLayoutEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { approvalsApi, type InboxApproval } from '../api/approvals';
import { executionsApi } from '../api/executions';
import { useTopicBatches } from '../api/live-socket';
import { sessionKeys, sessionsApi } from '../api/sessions';
import { createChatStore, type ChatStore, type ChatStructure } from './chat-store';
import type { PlanStep } from './render-plan';

const PAGE = 100;

type Snapshot = {
  messages: Message[];
  nextBefore: string | null;
  lastSeq: number;
  executions: ExecutionSummary[];
  steps: PlanStep[];
  approvals: InboxApproval[];
};

/** Executions whose steps fall in the loaded span of the chat (all of them once the start is loaded). */
function inSpan(executions: readonly ExecutionSummary[], oldest: Message | undefined, complete: boolean): ExecutionSummary[] {
  if (complete || oldest === undefined) return [...executions];
  return executions.filter((e) => e.createdAt >= oldest.createdAt || e.finishedAt === null || e.finishedAt >= oldest.createdAt);
}

async function stepsOf(executions: readonly ExecutionSummary[], signal?: AbortSignal): Promise<PlanStep[]> {
  const details = await Promise.all(executions.map((e) => executionsApi.get(e.id, signal)));
  return details.flatMap((detail) => detail.steps.map((step) => ({ executionId: detail.id, ...step })));
}

async function approvalsOf(sessionId: string, executionIds: ReadonlySet<string>, signal?: AbortSignal): Promise<InboxApproval[]> {
  const all = await approvalsApi.list({ limit: 500 }, signal);
  // The assistant's tool calls belong to the session; step approvals and agent asks to its runs.
  return all.filter((a) => (a.executionId !== null && executionIds.has(a.executionId)) || (a.kind === 'tool' && a.sessionId === sessionId));
}

/**
 * A chat session, live: the newest page of messages with the session topic's seq, the session's
 * runs (steps, approvals) in that span, then the `session:<id>` topic from that seq, applied
 * once per animation frame. Older pages load on demand.
 */
export function useChatSession(sessionId: string): {
  store: ChatStore;
  structure: ChatStructure;
  status: 'loading' | 'error' | 'ready';
  error: unknown;
  retry: () => void;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder: () => void;
} {
  // biome-ignore lint/correctness/useExhaustiveDependencies: one store per session; switching sessions starts from an empty store.
  const store = useMemo(() => createChatStore(), [sessionId]);
  const snapshot = useQuery({
    queryKey: [...sessionKeys.detail(sessionId), 'snapshot'] as const,
    queryFn: async ({ signal }): Promise<Snapshot> => {
      const page = await sessionsApi.messages({ id: sessionId, limit: PAGE }, signal);
      const executions = (await executionsApi.list({ sessionId, limit: 200 }, signal)).executions;
      const shown = inSpan(executions, page.messages[0], page.nextBefore === null);
      const [steps, approvals] = await Promise.all([stepsOf(shown, signal), approvalsOf(sessionId, new Set(executions.map((e) => e.id)), signal)]);
      return { messages: page.messages, nextBefore: page.nextBefore, lastSeq: page.lastSeq, executions, steps, approvals };
    },
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });

  const [older, setOlder] = useState<{ nextBefore: string | null; loading: boolean } | null>(null);
  const data = snapshot.data;
  useLayoutEffect(() => {
    if (data === undefined) return;
    store.load(data.messages);
    store.upsertExecutions(data.executions);
    store.upsertSteps(data.steps);
    store.upsertApprovals(data.approvals);
  }, [store, data]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the older pages loaded belong to the previous session; forget them when it changes.
  useEffect(() => setOlder(null), [sessionId]);

  useTopicBatches(sessionTopic(sessionId), (events) => store.applyEvents(events), {
    after: data?.lastSeq ?? 0,
    enabled: data !== undefined,
    // Away longer than the journal keeps the chat's events (retention): load it again.
    onPruned: () => void snapshot.refetch(),
  });

  const structure = useSyncExternalStore(store.subscribeStructure, store.getStructure, store.getStructure);
  const nextBefore = older !== null ? older.nextBefore : (data?.nextBefore ?? null);
  const loadingOlder = older?.loading ?? false;

  const loadOlder = useCallback(() => {
    if (nextBefore === null || loadingOlder) return;
    setOlder({ nextBefore, loading: true });
    void (async () => {
      try {
        const page = await sessionsApi.messages({ id: sessionId, before: nextBefore, limit: PAGE });
        const oldestBefore = store.getStructure().messages[0];
        const known = new Set(store.getStructure().steps.map((s) => s.executionId));
        const executions = store
          .getStructure()
          .executions.filter((e) => !known.has(e.id) && (oldestBefore === undefined || e.createdAt < oldestBefore.createdAt));
        const shown = inSpan(executions, page.messages[0], page.nextBefore === null);
        store.upsertSteps(await stepsOf(shown));
        store.prepend(page.messages);
        setOlder({ nextBefore: page.nextBefore, loading: false });
      } catch {
        setOlder({ nextBefore, loading: false });
      }
    })();
  }, [nextBefore, loadingOlder, sessionId, store]);

  return {
    store,
    structure,
    status: snapshot.isPending ? 'loading' : snapshot.isError ? 'error' : 'ready',
    error: snapshot.error,
    retry: () => void snapshot.refetch(),
    hasOlder: nextBefore !== null,
    loadingOlder,
    loadOlder,
  };
}

export function useMessage(store: ChatStore, message: Message): Message {
  const subscribe = useCallback((listener: () => void) => store.subscribeMessage(message.id, listener), [store, message.id]);
  const read = () => store.getMessage(message.id) ?? message;
  return useSyncExternalStore(subscribe, read, read);
}
