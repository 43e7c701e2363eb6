import { executionTopic, type Execution, type JournalEventEnvelope } from '@weft/shared';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useTopicBatches } from '../../api/live-socket';
import { latestPerFrame } from '../../lib/latest-per-frame';
import { createStepStatusStore, type StepStatusStore } from '../../store/step-status-store';
import type { ExecutionState } from '../execution-state';
import { createReplay, eventTime, firstState } from './replay';
import { parseAtParam } from './timeline-model';

export type PlaySpeed = 1 | 10 | 100;

export type TimeTravel = {
  /** The replayed state while the playhead is before the end; null when the page shows the run live. */
  state: ExecutionState | null;
  /** The diagram's status store for the replayed state; null when live. */
  statusStore: StepStatusStore | null;
  timeline: {
    start: number;
    end: number;
    /** The playhead; null at the end (live). */
    instant: number | null;
    /** The instant of every journal event, rising: what ←/→ step between. */
    eventTimes: readonly number[];
    seek(instant: number | null): void;
    playing: PlaySpeed | null;
    play(speed: PlaySpeed): void;
    pause(): void;
    /** Why `?at=` was ignored, or why there is nothing to replay. */
    notice: string | null;
    /** The run's journal was compacted by retention: its past cannot be replayed. */
    pruned: boolean;
  };
};

/**
 * The run page's time travel: every event of `execution:<id>` from seq 0 (its own subscription,
 * beside the live page's), replayed with the live apply function up to the playhead. `?at=` opens
 * the run at an instant and the address follows the playhead.
 */
export function useTimeTravel(id: string, snapshot: Execution | undefined, live: ExecutionState | null): TimeTravel {
  const eventsRef = useRef<{ id: string; events: JournalEventEnvelope[] }>({ id, events: [] });
  if (eventsRef.current.id !== id) eventsRef.current = { id, events: [] };
  const [eventsVersion, setEventsVersion] = useState(0);
  const [pruned, setPruned] = useState(false);
  const [search, setSearch] = useSearchParams();
  const [initial] = useState(() => parseAtParam(search.get('at')));
  const searchAt = search.get('at');
  const [instant, setInstant] = useState<number | null>(initial.instant);
  const [playing, setPlaying] = useState<PlaySpeed | null>(null);

  useTopicBatches(
    executionTopic(id),
    (batch) => {
      if (eventsRef.current.id !== id) return;
      eventsRef.current.events.push(...batch);
      setEventsVersion((v) => v + 1);
    },
    { after: 0, enabled: snapshot !== undefined, onPruned: () => setPruned(true) },
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: the event list grows in place; its version says when.
  const eventTimes = useMemo(() => {
    const times: number[] = [];
    let last = Number.NEGATIVE_INFINITY;
    for (const event of [...eventsRef.current.events].sort((a, b) => a.seq - b.seq)) {
      const t = eventTime(event);
      if (!Number.isNaN(t)) last = Math.max(last, t);
      if (Number.isFinite(last)) times.push(last);
    }
    return times;
  }, [eventsVersion, id]);

  const summary = live?.summary;
  const created = summary ? Date.parse(summary.createdAt) : Number.NaN;
  const start = Math.min(Number.isNaN(created) ? Number.POSITIVE_INFINITY : created, eventTimes[0] ?? Number.POSITIVE_INFINITY);
  const finished = summary?.finishedAt ? Date.parse(summary.finishedAt) : Number.NaN;
  const lastEvent = eventTimes.at(-1) ?? start;
  const end = Math.max(lastEvent, Number.isNaN(finished) ? lastEvent : finished, Number.isFinite(start) ? start + 1 : 0);
  const ready = snapshot !== undefined && Number.isFinite(start) && !pruned;

  // A playhead at (or past) the end is the live page; before the start it is the first state.
  const shown = !ready || instant === null || instant >= end ? null : Math.max(start, instant);

  const replaying = shown !== null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt when events arrive (version) while replaying; live needs none.
  const replay = useMemo(
    () => (replaying && snapshot !== undefined ? createReplay(firstState(snapshot), eventsRef.current.events) : null),
    [replaying, snapshot, eventsVersion],
  );
  const count = replay !== null && shown !== null ? replay.countAt(shown) : null;
  const state = useMemo(() => (replay !== null && count !== null ? replay.stateAfter(count) : null), [replay, count]);

  const [statusStore] = useState(createStepStatusStore);
  useLayoutEffect(() => {
    if (state !== null) statusStore.replaceAll([...state.runs.values()]);
  }, [state, statusStore]);

  // A drag or a held arrow key can ask for several positions within one frame: one render per
  // animation frame, the latest position winning.
  const [seeks] = useState(() => latestPerFrame<number | null>(setInstant));
  const seek = useCallback((next: number | null) => seeks.push(next), [seeks]);
  useEffect(() => () => seeks.cancel(), [seeks]);
  const pause = useCallback(() => setPlaying(null), []);
  const play = useCallback(
    (speed: PlaySpeed) => {
      seeks.cancel();
      // Playing from the end starts again from the beginning.
      setInstant((current) => (current === null || current >= end ? start : current));
      setPlaying(speed);
    },
    [start, end, seeks],
  );

  // Playback: the playhead moves `speed` times as fast as the clock, one step per frame.
  useEffect(() => {
    if (playing === null) return;
    let frame = 0;
    let previous = performance.now();
    const tick = (now: number) => {
      const elapsed = (now - previous) * playing;
      previous = now;
      let done = false;
      setInstant((current) => {
        const next = (current ?? start) + elapsed;
        if (next >= end) {
          done = true;
          return null;
        }
        return next;
      });
      if (done) setPlaying(null);
      else frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, start, end]);

  // The address follows the playhead (history replaced, not pushed: scrubbing is not navigation),
  // at most a few times a second since browsers throttle history updates.
  useEffect(() => {
    // Until the journal has arrived, a link's `?at=` stays as it was.
    if (!ready) return;
    const wanted = shown === null ? null : new Date(shown).toISOString();
    if (wanted === searchAt) return;
    const timer = window.setTimeout(() => {
      setSearch(
        (current) => {
          const next = new URLSearchParams(current);
          if (wanted === null) next.delete('at');
          else next.set('at', wanted);
          return next;
        },
        { replace: true, preventScrollReset: true },
      );
    }, 200);
    return () => window.clearTimeout(timer);
  }, [shown, ready, searchAt, setSearch]);

  const notice = initial.notice ?? (pruned ? "This run's journal was compacted by retention: its past cannot be replayed, only its final state shown." : null);
  return {
    state,
    statusStore: state === null ? null : statusStore,
    timeline: { start: Number.isFinite(start) ? start : 0, end, instant: shown, eventTimes, seek, playing, play, pause, notice, pruned },
  };
}
