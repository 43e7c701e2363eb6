import type { StepStatus } from '@weft/shared';
import { createKeyedStore } from './keyed-store';

/** One step's state in one iteration, as the executions API and the journal report it. */
export type StepState = {
  stepId: string;
  /** `""` outside loops, `each[2]` inside loop `each`, `outer[1]/inner[0]` for nested loops. */
  iterationPath: string;
  status: StepStatus;
  attempt?: number;
  startedAt?: string | null;
  finishedAt?: string | null;
};

/** Which iteration a loop group shows: every iteration together, or one by index. */
export type IterationSelection = number | 'all';

export type IterationSegment = { loopId: string; index: number };

const NO_RECORDS: readonly StepState[] = Object.freeze([]);
const NO_ITERATIONS: readonly number[] = Object.freeze([]);
const ACTIVE: ReadonlySet<StepStatus> = new Set(['running', 'waiting']);
const SEGMENT = /^(.+)\[(\d+)\]$/;

/** `outer[1]/inner[0]` -> `[{ loopId: 'outer', index: 1 }, { loopId: 'inner', index: 0 }]`; malformed parts are dropped. */
export function parseIterationPath(path: string): IterationSegment[] {
  if (path === '') return [];
  const segments: IterationSegment[] = [];
  for (const part of path.split('/')) {
    const match = SEGMENT.exec(part);
    if (match !== null) segments.push({ loopId: match[1] ?? '', index: Number(match[2]) });
  }
  return segments;
}

function compareIterationPaths(a: string, b: string): number {
  const left = parseIterationPath(a);
  const right = parseIterationPath(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = (left[i]?.index ?? 0) - (right[i]?.index ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function sameState(a: StepState, b: StepState): boolean {
  return (
    a.status === b.status &&
    a.iterationPath === b.iterationPath &&
    (a.attempt ?? 0) === (b.attempt ?? 0) &&
    (a.startedAt ?? null) === (b.startedAt ?? null) &&
    (a.finishedAt ?? null) === (b.finishedAt ?? null)
  );
}

function sameList<T>(a: readonly T[], b: readonly T[], equal: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((item, i) => equal(item, b[i] as T));
}

function isFinished(status: StepStatus): boolean {
  return !ACTIVE.has(status) && status !== 'pending';
}

/**
 * Live run state for one diagram, keyed by step id, plus the diagram's
 * selection. Every reader subscribes to one key, so a status change re-renders
 * the one node that shows it and nothing else.
 */
export interface StepStatusStore {
  /** The step's latest attempt per iteration path, in iteration order. Stable until it changes. */
  getRecords(stepId: string): readonly StepState[];
  /** Iteration indices seen so far for a loop, ascending. */
  getIterations(loopId: string): readonly number[];
  getSelectedIteration(loopId: string): IterationSelection;
  isSelected(stepId: string): boolean;
  /** The step that most recently started and is still running or waiting. */
  getActiveStepId(): string | null;

  subscribeRecords(stepId: string, listener: () => void): () => void;
  subscribeIterations(loopId: string, listener: () => void): () => void;
  subscribeSelectedIteration(loopId: string, listener: () => void): () => void;
  subscribeSelection(stepId: string, listener: () => void): () => void;
  subscribeActiveStep(listener: () => void): () => void;

  /** Upserts one state (a live event). An older attempt, or an unfinished state over a finished one of the same attempt, is ignored. */
  apply(state: StepState): void;
  /** Makes the store hold exactly `states` (a snapshot), notifying only the keys that changed. */
  replaceAll(states: readonly StepState[]): void;
  selectIteration(loopId: string, selection: IterationSelection): void;
  select(stepId: string | null): void;
}

export function createStepStatusStore(): StepStatusStore {
  const records = createKeyedStore<readonly StepState[]>(NO_RECORDS);
  const iterations = createKeyedStore<readonly number[]>(NO_ITERATIONS);
  const selectedIteration = createKeyedStore<IterationSelection>('all');
  const selection = createKeyedStore<boolean>(false);
  const activeStep = createKeyedStore<string | null>(null);

  // Mutable bookkeeping behind the published (immutable) snapshots.
  const byStep = new Map<string, Map<string, StepState>>();
  const iterationSets = new Map<string, Set<number>>();
  const active = new Map<string, { stepId: string; startedAt: number; order: number }>();
  let order = 0;
  let selectedId: string | null = null;

  const activeKey = (state: StepState) => `${state.stepId}\u0000${state.iterationPath}`;

  const publishRecords = (stepId: string): void => {
    const map = byStep.get(stepId);
    if (map === undefined || map.size === 0) {
      records.delete(stepId);
      return;
    }
    const next = [...map.values()].sort((a, b) => compareIterationPaths(a.iterationPath, b.iterationPath));
    if (!sameList(records.get(stepId), next, sameState)) records.set(stepId, next);
  };

  /** Records the path's iteration indices; returns the loops that gained one. */
  const noteIterations = (path: string, dirty: Set<string>): void => {
    for (const { loopId, index } of parseIterationPath(path)) {
      let set = iterationSets.get(loopId);
      if (set === undefined) {
        set = new Set();
        iterationSets.set(loopId, set);
      }
      if (set.has(index)) continue;
      set.add(index);
      dirty.add(loopId);
    }
  };

  const publishIterations = (loopIds: Iterable<string>): void => {
    for (const loopId of loopIds) {
      const set = iterationSets.get(loopId);
      if (set === undefined) {
        iterations.delete(loopId);
        continue;
      }
      const next = [...set].sort((a, b) => a - b);
      if (!sameList(iterations.get(loopId), next, Object.is)) iterations.set(loopId, next);
    }
  };

  const trackActive = (state: StepState): void => {
    const key = activeKey(state);
    if (ACTIVE.has(state.status)) {
      const startedAt = state.startedAt ? Date.parse(state.startedAt) : Number.NaN;
      const existing = active.get(key);
      active.set(key, { stepId: state.stepId, startedAt: Number.isNaN(startedAt) ? 0 : startedAt, order: existing?.order ?? ++order });
    } else {
      active.delete(key);
    }
  };

  const publishActive = (): void => {
    let best: { stepId: string; startedAt: number; order: number } | null = null;
    for (const candidate of active.values()) {
      if (best === null || candidate.startedAt > best.startedAt || (candidate.startedAt === best.startedAt && candidate.order > best.order)) {
        best = candidate;
      }
    }
    activeStep.set('', best?.stepId ?? null);
  };

  const upsert = (state: StepState, dirtyLoops: Set<string>): boolean => {
    let map = byStep.get(state.stepId);
    if (map === undefined) {
      map = new Map();
      byStep.set(state.stepId, map);
    }
    const existing = map.get(state.iterationPath);
    if (existing !== undefined) {
      const previousAttempt = existing.attempt ?? 0;
      const attempt = state.attempt ?? 0;
      if (attempt < previousAttempt) return false;
      if (attempt === previousAttempt && isFinished(existing.status) && !isFinished(state.status)) return false;
      if (sameState(existing, state)) return false;
    }
    map.set(state.iterationPath, { ...state });
    trackActive(state);
    noteIterations(state.iterationPath, dirtyLoops);
    return true;
  };

  return {
    getRecords: (stepId) => records.get(stepId),
    getIterations: (loopId) => iterations.get(loopId),
    getSelectedIteration: (loopId) => selectedIteration.get(loopId),
    isSelected: (stepId) => selection.get(stepId),
    getActiveStepId: () => activeStep.get(''),

    subscribeRecords: (stepId, listener) => records.subscribe(stepId, listener),
    subscribeIterations: (loopId, listener) => iterations.subscribe(loopId, listener),
    subscribeSelectedIteration: (loopId, listener) => selectedIteration.subscribe(loopId, listener),
    subscribeSelection: (stepId, listener) => selection.subscribe(stepId, listener),
    subscribeActiveStep: (listener) => activeStep.subscribe('', listener),

    apply(state) {
      const dirtyLoops = new Set<string>();
      if (!upsert(state, dirtyLoops)) return;
      publishRecords(state.stepId);
      publishIterations(dirtyLoops);
      publishActive();
    },

    replaceAll(states) {
      const touched = new Set<string>(byStep.keys());
      byStep.clear();
      active.clear();
      const loops = new Set<string>(iterationSets.keys());
      iterationSets.clear();
      for (const state of states) {
        // Within a snapshot the latest attempt wins, whatever the order.
        const existing = byStep.get(state.stepId)?.get(state.iterationPath);
        if (existing !== undefined && (existing.attempt ?? 0) > (state.attempt ?? 0)) continue;
        if (existing !== undefined) byStep.get(state.stepId)?.delete(state.iterationPath);
        upsert(state, loops);
        touched.add(state.stepId);
      }
      for (const stepId of touched) publishRecords(stepId);
      publishIterations(loops);
      publishActive();
    },

    selectIteration: (loopId, value) => selectedIteration.set(loopId, value),

    select(stepId) {
      if (stepId === selectedId) return;
      if (selectedId !== null) selection.set(selectedId, false);
      selectedId = stepId;
      if (stepId !== null) selection.set(stepId, true);
    },
  };
}
