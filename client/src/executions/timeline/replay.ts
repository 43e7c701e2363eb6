import type { Execution, JournalEventEnvelope } from '@weft/shared';
import { applyExecutionEvents, createExecutionState, type ExecutionState } from '../execution-state';

/** A seek applies at most this many events: a checkpoint of the state is kept every `CHECKPOINT_EVERY` events. */
export const CHECKPOINT_EVERY = 64;

/**
 * The state a run had before its first journal event: the snapshot's identity (workflow, inputs,
 * trigger) with no step started. The live page starts from the latest snapshot instead, which a
 * replay cannot use: its steps are already finished and a finished attempt never goes back.
 */
export function firstState(snapshot: Execution): ExecutionState {
  const { output: _output, error: _error, ...rest } = snapshot;
  return createExecutionState({ ...rest, status: 'queued', startedAt: null, finishedAt: null, steps: [] });
}

/** The instant of an event (ms), or NaN for an unreadable `at`. */
export const eventTime = (event: Pick<JournalEventEnvelope, 'at'>) => Date.parse(event.at);

/**
 * Rebuilds the run page's state at any point of its journal with `applyExecutionEvents`, the very
 * function the live page applies events with, so a replay and the live page cannot disagree.
 */
export type Replay = {
  readonly events: readonly JournalEventEnvelope[];
  /** The state after the first `count` events (0: the first state; `events.length`: the last). */
  stateAfter(count: number): ExecutionState;
  /** How many events had happened at `instant` (ms): those whose `at` is not after it. */
  countAt(instant: number): number;
};

export function createReplay(first: ExecutionState, events: readonly JournalEventEnvelope[], every: number = CHECKPOINT_EVERY): Replay {
  // Sorted by seq, duplicates dropped: the order the live page applied them in.
  const ordered = [...new Map(events.map((e) => [e.seq, e])).values()].sort((a, b) => a.seq - b.seq);
  // Instants never go back along the journal, so `countAt` can binary-search; a clock step back
  // on the server is clamped to the instant before it.
  const times: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const event of ordered) {
    const t = eventTime(event);
    last = Number.isNaN(t) ? last : Math.max(last, t);
    times.push(last);
  }
  const checkpoints: ExecutionState[] = [first];
  let state = first;
  for (let i = 0; i < ordered.length; i += every) {
    state = applyExecutionEvents(state, ordered.slice(i, i + every)).state;
    checkpoints.push(state);
  }
  return {
    events: ordered,
    stateAfter(count) {
      const n = Math.max(0, Math.min(ordered.length, Math.floor(count)));
      const at = Math.floor(n / every);
      const from = checkpoints[at] ?? first;
      return at * every === n ? from : applyExecutionEvents(from, ordered.slice(at * every, n)).state;
    },
    countAt(instant) {
      let lo = 0;
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((times[mid] ?? 0) <= instant) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
  };
}

/** The state at `instant` (ms): every event up to it applied over the first state. */
export function stateAt(first: ExecutionState, events: readonly JournalEventEnvelope[], instant: number): ExecutionState {
  const replay = createReplay(first, events);
  return replay.stateAfter(replay.countAt(instant));
}
