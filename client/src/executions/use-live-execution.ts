import { executionTopic } from '@weft/shared';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { executionKeys, executionsApi } from '../api/executions';
import { useTopicBatches } from '../api/live-socket';
import { approvalsStore } from '../approvals/approvals-store';
import { createStepStatusStore, type StepStatusStore } from '../store/step-status-store';
import { applyExecutionEvents, createExecutionState, type ExecutionState } from './execution-state';

/**
 * One execution, live: the REST snapshot, then every event of `execution:<id>` from the start of
 * its journal (so a reload mid-run shows exactly what a watcher saw, live logs included), applied
 * once per animation frame. A finished run whose journal retention compacted answers
 * `topic_pruned`: its snapshot, reloaded, has the logs, and the topic is followed from its head. Step statuses also go to a status store the diagram reads per node.
 */
export function useLiveExecution(id: string): {
  query: ReturnType<typeof useExecutionQuery>;
  state: ExecutionState | null;
  statusStore: StepStatusStore;
} {
  const query = useExecutionQuery(id);
  const [statusStore] = useState(createStepStatusStore);
  // `initial` is the state built from the snapshot; `state` moves on with every event.
  const stateRef = useRef<{ id: string; initial: ExecutionState; state: ExecutionState } | null>(null);
  const [, setVersion] = useState(0);

  const snapshot = query.data;
  if (snapshot !== undefined && (stateRef.current === null || stateRef.current.id !== id)) {
    const fromSnapshot = createExecutionState(snapshot);
    stateRef.current = { id, initial: fromSnapshot, state: fromSnapshot };
  }
  const loaded = stateRef.current?.id === id ? stateRef.current : null;
  const state = loaded?.state ?? null;
  const initial = loaded?.initial ?? null;

  // Once per snapshot taken (a new execution): later changes reach the store as events.
  useEffect(() => {
    if (initial !== null) statusStore.replaceAll([...initial.runs.values()]);
  }, [statusStore, initial]);

  useTopicBatches(
    executionTopic(id),
    (events) => {
      const current = stateRef.current;
      if (current === null || current.id !== id) return;
      const applied = applyExecutionEvents(current.state, events);
      for (const run of applied.changedRuns) statusStore.apply(run);
      if (applied.approvals.length > 0) approvalsStore.upsertMany(applied.approvals);
      stateRef.current = { ...current, state: applied.state };
      if (applied.changed) setVersion((v) => v + 1);
    },
    {
      after: 0,
      enabled: state !== null,
      // Retention compacted the run's journal: its steps and logs are in a fresh snapshot.
      onPruned: (lastSeq) => {
        void query.refetch().then(({ data }) => {
          if (data === undefined || stateRef.current?.id !== id) return;
          const fresh = createExecutionState(data);
          stateRef.current = { id, initial: fresh, state: { ...fresh, seq: lastSeq } };
          setVersion((v) => v + 1);
        });
      },
    },
  );

  return { query, state, statusStore };
}

function useExecutionQuery(id: string) {
  return useQuery({
    queryKey: executionKeys.detail(id),
    queryFn: ({ signal }) => executionsApi.get(id, signal),
    // The socket keeps the page current; the snapshot is only the starting point.
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
}
