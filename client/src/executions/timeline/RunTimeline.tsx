import './timeline.css';
import { type KeyboardEvent, memo, type PointerEvent, useCallback, useMemo, useRef } from 'react';
import type { StepRun, WorkflowDefinition } from '@weft/shared';
import type { InboxApproval } from '../../api/approvals';
import { rowOffsets, spacerKey, visibleRows, type WindowPart, windowParts } from '../../lib/row-window';
import { useScrollViewport } from '../../lib/use-scroll-viewport';
import { stepTitles } from '../step-runs';
import { buildLanes, describeInstant, OUTCOME_MARK, type TimelineSubLane } from './timeline-model';
import type { PlaySpeed, TimeTravel } from './use-time-travel';

export type RunTimelineProps = TimeTravel['timeline'] & {
  /** The run's attempts and approvals as they are now (live): the bars show the whole run. */
  runs: ReadonlyMap<string, StepRun>;
  approvals: ReadonlyMap<string, InboxApproval>;
  /** Names the lanes; null while the version loads (step ids then). */
  definition: WorkflowDefinition | null;
};

const SPEEDS: readonly PlaySpeed[] = [1, 10, 100];
/** A sub-lane's height (timeline.css `.run-timeline__lane`). */
const LANE_HEIGHT = 20;
/** The lanes box's CSS max-height (`.run-timeline__body`): the viewport assumed before it is measured. */
const BODY_MAX_HEIGHT = 240;
const OVERSCAN = 8;

/** One row of the timeline: a sub-lane, labelled with its step's name on the first of its lane. */
type LaneRow = { key: string; stepId: string; sub: TimelineSubLane; first: boolean };

/**
 * The timeline under a run's diagram: a lane per step (sub-lanes per loop iteration and attempt),
 * bars from start to end marked by outcome, approval waits hatched, and a playhead that is a slider.
 */
export function RunTimeline({ runs, approvals, definition, start, end, instant, eventTimes, seek, playing, play, pause, notice, pruned }: RunTimelineProps) {
  const lanes = useMemo(() => buildLanes(runs.values(), approvals.values()), [runs, approvals]);
  const labels = useMemo(() => stepTitles(definition), [definition]);
  const stepLabel = useCallback((stepId: string) => labels.get(stepId) ?? stepId, [labels]);
  const trackRef = useRef<HTMLDivElement>(null);
  // A 1,000-step run has more than 1,000 sub-lanes: only those in the lanes box's viewport (and a
  // few either side) are rendered, between spacers, so moving the playhead paints a few bars.
  const rows = useMemo(
    () =>
      lanes.flatMap((lane) => lane.subLanes.map((sub, i): LaneRow => ({ key: `${lane.stepId}\u0000${sub.key}`, stepId: lane.stepId, sub, first: i === 0 }))),
    [lanes],
  );
  const offsets = useMemo(() => rowOffsets(rows.map(() => LANE_HEIGHT)), [rows]);
  const bodyRef = useRef<HTMLDivElement>(null);
  const { viewport: scroll, onScroll } = useScrollViewport(bodyRef);
  const { first, last } = visibleRows({ offsets, scrollTop: scroll.top, viewportHeight: scroll.height ?? BODY_MAX_HEIGHT, overscan: OVERSCAN });
  // The same parts for the labels and the lanes, so both columns stay row for row.
  const parts = useMemo(() => windowParts({ offsets, first, last }), [offsets, first, last]);
  const span = Math.max(1, end - start);
  const at = instant ?? end;
  const pct = (t: number) => `${((Math.min(Math.max(t, start), end) - start) / span) * 100}%`;
  const live = instant === null;

  const toEnd = (t: number) => seek(t >= end ? null : t);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    let next: number | null | undefined;
    if (event.key === 'ArrowLeft' || event.key === 'ArrowDown') next = [...eventTimes].reverse().find((t) => t < at) ?? start;
    else if (event.key === 'ArrowRight' || event.key === 'ArrowUp') next = eventTimes.find((t) => t > at) ?? null;
    else if (event.key === 'Home') next = start;
    else if (event.key === 'End') next = null;
    else if (event.key === 'PageDown') next = Math.max(start, at - span / 10);
    else if (event.key === 'PageUp') next = at + span / 10;
    if (next === undefined) return;
    event.preventDefault();
    pause();
    if (next === null) seek(null);
    else toEnd(next);
  };
  const fromPointer = (event: PointerEvent<HTMLDivElement>) => {
    const rect = trackRef.current?.getBoundingClientRect();
    if (rect === undefined || rect.width === 0) return;
    toEnd(start + ((event.clientX - rect.left) / rect.width) * span);
  };

  return (
    <section className="run-timeline" aria-label="Timeline">
      <div className="run-timeline__controls">
        {SPEEDS.map((speed) => (
          <button
            key={speed}
            type="button"
            className={`btn btn--small${playing === speed ? ' btn--primary' : ''}`}
            aria-pressed={playing === speed}
            disabled={pruned}
            onClick={() => (playing === speed ? pause() : play(speed))}
          >
            {playing === speed ? `Pause ${speed}×` : `Play ${speed}×`}
          </button>
        ))}
        <button
          type="button"
          className={`btn btn--small${live ? ' btn--primary' : ''}`}
          aria-pressed={live}
          onClick={() => {
            pause();
            seek(null);
          }}
        >
          Live
        </button>
        <span className="run-timeline__time muted" aria-live="polite">
          {live ? 'Showing the run as it is now' : `Showing the run at ${describeInstant(at, start)}`}
        </span>
      </div>
      {notice !== null && (
        <p className="run-timeline__notice" role="status">
          {notice}
        </p>
      )}
      <div className="run-timeline__body" ref={bodyRef} onScroll={onScroll}>
        <TimelineLabels rows={rows} parts={parts} stepLabel={stepLabel} />
        <div
          ref={trackRef}
          className="run-timeline__track"
          onPointerDown={(event) => {
            if (pruned) return;
            event.currentTarget.setPointerCapture(event.pointerId);
            pause();
            fromPointer(event);
          }}
          onPointerMove={(event) => {
            if (event.currentTarget.hasPointerCapture(event.pointerId)) fromPointer(event);
          }}
        >
          <TimelineLanes rows={rows} parts={parts} start={start} end={end} stepLabel={stepLabel} />
          {!live && <div className="run-timeline__after" style={{ left: pct(at) }} aria-hidden="true" />}
          <div
            className="run-timeline__playhead"
            style={{ left: pct(at) }}
            role="slider"
            tabIndex={0}
            aria-label="Playhead"
            aria-valuemin={start}
            aria-valuemax={end}
            aria-valuenow={Math.round(at)}
            aria-valuetext={live ? `Live, ${describeInstant(at, start)}` : describeInstant(at, start)}
            aria-disabled={pruned}
            onKeyDown={pruned ? undefined : onKeyDown}
          />
        </div>
      </div>
    </section>
  );
}

/** A spacer standing for the rows not rendered above or below the window. */
const spacer = (parts: readonly WindowPart[], index: number, height: number) => (
  <li key={spacerKey(parts, index)} className="run-timeline__spacer" role="presentation" style={{ height }} />
);

type WindowProps = { rows: LaneRow[]; parts: readonly WindowPart[]; stepLabel(stepId: string): string };

/** The lanes' names, beside the track (the window of rows in view). */
const TimelineLabels = memo(function TimelineLabels({ rows, parts, stepLabel }: WindowProps) {
  return (
    <ul className="run-timeline__labels" aria-hidden="true">
      {parts.map((part, i) => {
        if ('spacer' in part) return spacer(parts, i, part.spacer);
        const { key, stepId, sub, first: named } = rows[part.row] as LaneRow;
        return (
          <li key={key} className="run-timeline__label" title={stepLabel(stepId)}>
            {named ? stepLabel(stepId) : ''}
            {sub.label !== '' && <span className="muted"> {sub.label}</span>}
          </li>
        );
      })}
    </ul>
  );
});

/**
 * The bars, which do not depend on the playhead: moving it re-renders none of them, only the
 * shade over what had not happened yet. Only the window of rows in view is rendered.
 */
const TimelineLanes = memo(function TimelineLanes({ rows, parts, start, end, stepLabel }: WindowProps & { start: number; end: number }) {
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${((Math.min(Math.max(t, start), end) - start) / span) * 100}%`;
  const width = (from: number, to: number | null) => `${Math.max(0.4, ((Math.min(to ?? end, end) - from) / span) * 100)}%`;
  return (
    <ul className="run-timeline__lanes" aria-label="Steps over time">
      {parts.map((part, i) => {
        if ('spacer' in part) return spacer(parts, i, part.spacer);
        const { key, sub } = rows[part.row] as LaneRow;
        return (
          <li key={key} className="run-timeline__lane" aria-posinset={part.row + 1} aria-setsize={rows.length}>
            {sub.bars.map((bar) => (
              <span
                key={bar.key}
                className={`run-timeline__bar run-timeline__bar--${bar.status}`}
                style={{ left: pct(bar.start), width: width(bar.start, bar.end) }}
                title={`${stepLabel(bar.stepId)}${sub.label === '' ? '' : ` (${sub.label})`}: ${bar.status}${bar.retry ? ', a retry' : ''}`}
              >
                <span aria-hidden="true">{OUTCOME_MARK[bar.status]}</span>
                {bar.retry && <span aria-hidden="true">↻</span>}
                <span className="visually-hidden">
                  {stepLabel(bar.stepId)} {sub.label} {bar.status}
                  {bar.retry ? ', a retry' : ''}
                </span>
              </span>
            ))}
            {sub.waits.map((wait) => (
              <span
                key={wait.id}
                className="run-timeline__wait"
                style={{ left: pct(wait.start), width: width(wait.start, wait.end) }}
                title={`Waited for an approval (${wait.status})`}
              >
                <span aria-hidden="true">⏸</span>
                <span className="visually-hidden">waited for an approval, {wait.status}</span>
              </span>
            ))}
          </li>
        );
      })}
    </ul>
  );
});
