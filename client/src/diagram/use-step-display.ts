import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { IterationSelection } from '../store/step-status-store';
import { useDiagram } from './diagram-context';
import { recordsInSelection, summariseRecords, type StepDisplay } from './step-display';

/**
 * The status a node shows, read through narrow subscriptions: this step's
 * records and the iteration chosen in each enclosing loop. Nothing else
 * re-renders the calling node.
 */
export function useStepDisplay(stepId: string, loopIds: readonly string[]): StepDisplay | null {
  const { store } = useDiagram();
  const subscribeRecords = useCallback((listener: () => void) => store.subscribeRecords(stepId, listener), [store, stepId]);
  const records = useSyncExternalStore(
    subscribeRecords,
    () => store.getRecords(stepId),
    () => store.getRecords(stepId),
  );

  const loopKey = loopIds.join('/');
  const subscribeSelections = useCallback(
    (listener: () => void) => {
      const unsubscribes = loopKey === '' ? [] : loopKey.split('/').map((loopId) => store.subscribeSelectedIteration(loopId, listener));
      return () => {
        for (const unsubscribe of unsubscribes) unsubscribe();
      };
    },
    [store, loopKey],
  );
  // A string snapshot: equal selections compare equal, so nothing re-renders needlessly.
  const readSelections = () =>
    loopKey === ''
      ? ''
      : loopKey
          .split('/')
          .map((loopId) => String(store.getSelectedIteration(loopId)))
          .join('/');
  const selectionKey = useSyncExternalStore(subscribeSelections, readSelections, readSelections);

  return useMemo(() => {
    const selections: IterationSelection[] = selectionKey === '' ? [] : selectionKey.split('/').map((s) => (s === 'all' ? 'all' : Number(s)));
    return summariseRecords(recordsInSelection({ records, loopIds: loopKey === '' ? [] : loopKey.split('/'), selections }));
  }, [records, selectionKey, loopKey]);
}

export function useIsSelected(stepId: string): boolean {
  const { store } = useDiagram();
  const subscribe = useCallback((listener: () => void) => store.subscribeSelection(stepId, listener), [store, stepId]);
  return useSyncExternalStore(
    subscribe,
    () => store.isSelected(stepId),
    () => store.isSelected(stepId),
  );
}

export function useLoopIterations(loopId: string): { iterations: readonly number[]; selected: IterationSelection } {
  const { store } = useDiagram();
  const subscribeIterations = useCallback((listener: () => void) => store.subscribeIterations(loopId, listener), [store, loopId]);
  const subscribeSelected = useCallback((listener: () => void) => store.subscribeSelectedIteration(loopId, listener), [store, loopId]);
  const iterations = useSyncExternalStore(
    subscribeIterations,
    () => store.getIterations(loopId),
    () => store.getIterations(loopId),
  );
  const selected = useSyncExternalStore(
    subscribeSelected,
    () => store.getSelectedIteration(loopId),
    () => store.getSelectedIteration(loopId),
  );
  return { iterations, selected };
}

export function useActiveStepId(): string | null {
  const { store } = useDiagram();
  return useSyncExternalStore(store.subscribeActiveStep, store.getActiveStepId, store.getActiveStepId);
}
