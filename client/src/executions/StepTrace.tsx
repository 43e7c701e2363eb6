import './executions.css';
import type { StepRun, StepStatus, WorkflowDefinition } from '@weft/shared';
import { type FocusEvent, memo, type ReactNode, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { StatusIcon } from '../diagram/nodes/icons';
import { STATUS_LABELS } from '../diagram/step-display';
import { formatElapsed } from '../lib/elapsed';
import { useNow } from '../lib/use-now';
import { describeIteration, instanceKey, latestRuns, stepTitles } from './step-runs';
import { rowOffsets, scrollToShow, spacerKey, visibleRows, windowParts } from '../lib/row-window';
import { useScrollViewport } from '../lib/use-scroll-viewport';

/** `started -> finished` (or now while running), empty before it starts. */
export function runDuration(run: Pick<StepRun, 'startedAt' | 'finishedAt'>, now: number): string {
  if (run.startedAt === null) return '';
  const start = Date.parse(run.startedAt);
  const end = run.finishedAt === null ? now : Date.parse(run.finishedAt);
  return Number.isNaN(start) || Number.isNaN(end) ? '' : formatElapsed(Math.max(0, end - start));
}

const order = (a: StepRun, b: StepRun) => {
  if (a.startedAt === b.startedAt) return 0;
  if (a.startedAt === null) return 1;
  if (b.startedAt === null) return -1;
  return a.startedAt < b.startedAt ? -1 : 1;
};

/** Row heights before any is measured (CSS: one line 36 px, with an iteration line 53 px). */
const ESTIMATE = { plain: 36, iteration: 53 } as const;
type RowKind = keyof typeof ESTIMATE;
/** The list's CSS max-height (executions.css `.trace`): the viewport assumed before it is measured. */
const MAX_HEIGHT = 420;
/** Rows rendered beyond each edge of the viewport: Tab and the arrow keys always find the next one. */
const OVERSCAN = 6;

/**
 * Every step instance of the run in the order it started: status, name, iteration, attempts,
 * duration. Selecting one selects its step in the diagram and opens its details.
 *
 * A run can have thousands of instances, so only the rows in the list's viewport (and a few either
 * side) are in the DOM, between two spacers; a focused row stays rendered while scrolled away.
 * `follow` (time travel) keeps the latest-started instance, the playhead's step, in view.
 */
export function StepTrace({
  definition,
  runs,
  selectedStepId,
  onSelect,
  follow = false,
}: {
  definition: WorkflowDefinition | null;
  runs: readonly StepRun[];
  selectedStepId: string | null;
  onSelect: (stepId: string) => void;
  follow?: boolean;
}) {
  const instances = useMemo(() => latestRuns(runs).sort(order), [runs]);
  const names = useMemo(() => stepTitles(definition), [definition]);
  const empty = instances.length === 0;
  const live = instances.some((run) => run.finishedAt === null && run.startedAt !== null);
  const now = useNow(live);

  const listRef = useRef<HTMLOListElement>(null);
  // `height` null until the list is measured: the first render windows to the CSS max-height.
  const { viewport, onScroll, scrollTo } = useScrollViewport(listRef, empty);
  const [measured, setMeasured] = useState<Record<RowKind, number>>(ESTIMATE);
  const [focused, setFocused] = useState<string | null>(null);

  const kinds = useMemo(() => instances.map((run): RowKind => (run.iterationPath === '' ? 'plain' : 'iteration')), [instances]);
  const offsets = useMemo(() => rowOffsets(kinds.map((kind) => measured[kind])), [kinds, measured]);
  const latest = instances.findLastIndex((run) => run.startedAt !== null);
  // Following: when the playhead's step changes, the scroll position that shows it, used for this
  // very render. Only on a change: between seeks the person scrolls the list freely.
  const latestKey = latest >= 0 ? instanceKey(instances[latest] as StepRun) : null;
  const followed = useRef<string | null>(null);
  const chase = follow && latestKey !== null && latestKey !== followed.current;
  const height = viewport.height ?? MAX_HEIGHT;
  const top = chase ? scrollToShow({ offsets, index: latest, scrollTop: viewport.top, viewportHeight: height }) : viewport.top;
  const focusedIndex = focused === null ? -1 : instances.findIndex((run) => instanceKey(run) === focused);
  const { first, last } = visibleRows({ offsets, scrollTop: top, viewportHeight: height, overscan: OVERSCAN });

  // Apply the followed position before paint (this render already drew the rows it shows).
  useLayoutEffect(() => {
    if (viewport.height !== null && viewport.height > 0) followed.current = follow ? latestKey : null;
    if (top === viewport.top || !viewport.height) return;
    scrollTo(top);
  }, [top, viewport, follow, latestKey, scrollTo]);

  // Real row heights replace the estimates (fonts and zoom differ): one row of each kind, measured once.
  const measuredKinds = useRef(new Set<RowKind>());
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list === null || !viewport.height || measuredKinds.current.size === 2) return;
    for (const kind of ['plain', 'iteration'] as const) {
      if (measuredKinds.current.has(kind)) continue;
      const height = list.querySelector<HTMLElement>(`li[data-kind="${kind}"]`)?.getBoundingClientRect().height ?? 0;
      if (height <= 0) continue;
      measuredKinds.current.add(kind);
      if (Math.abs(height - measured[kind]) > 0.5) setMeasured((current) => ({ ...current, [kind]: height }));
    }
  });

  const onFocus = (event: FocusEvent<HTMLOListElement>) => setFocused((event.target as HTMLElement).closest('li')?.dataset.key ?? null);
  const onBlur = (event: FocusEvent<HTMLOListElement>) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFocused(null);
  };

  if (empty) return <p className="muted trace__empty">No step has started yet.</p>;
  const parts = windowParts({ offsets, first, last, keep: focusedIndex });
  return (
    <ol ref={listRef} className="trace" aria-label="Step trace" onScroll={onScroll} onFocus={onFocus} onBlur={onBlur}>
      {parts.map((part, i): ReactNode => {
        if ('spacer' in part) {
          return <li key={spacerKey(parts, i)} className="trace__spacer" role="presentation" style={{ height: part.spacer }} />;
        }
        const run = instances[part.row] as StepRun;
        const key = instanceKey(run);
        return (
          <TraceRow
            key={key}
            rowKey={key}
            kind={kinds[part.row] ?? 'plain'}
            position={part.row + 1}
            size={instances.length}
            run={run}
            name={names.get(run.stepId) ?? run.stepId}
            iterationPath={run.iterationPath}
            definition={definition}
            selected={run.stepId === selectedStepId}
            now={run.startedAt !== null && run.finishedAt === null ? now : 0}
            onSelect={onSelect}
          />
        );
      })}
    </ol>
  );
}

type TraceRowProps = {
  rowKey: string;
  kind: RowKind;
  position: number;
  size: number;
  run: StepRun;
  name: string;
  iterationPath: string;
  definition: WorkflowDefinition | null;
  selected: boolean;
  /** The clock for a running row's duration; 0 for any other row, so a tick re-renders only running rows. */
  now: number;
  onSelect: (stepId: string) => void;
};

/** One instance; re-rendered only when what it shows changes (a seek gives every run a new object). */
const TraceRow = memo(
  function TraceRow({ rowKey, kind, position, size, run, name, iterationPath, definition, selected, now, onSelect }: TraceRowProps) {
    const iteration = iterationPath === '' ? '' : describeIteration(iterationPath, definition);
    return (
      <li data-key={rowKey} data-kind={kind} aria-posinset={position} aria-setsize={size}>
        <button
          type="button"
          className={`trace__row${selected ? ' is-selected' : ''}`}
          aria-pressed={selected}
          onClick={() => onSelect(run.stepId)}
          data-status={run.status}
        >
          <StepStatusMark status={run.status} />
          <span className="trace__name">
            {name}
            {iteration !== '' && <span className="trace__iteration">{iteration}</span>}
          </span>
          <span className="trace__meta">
            {run.attempt > 1 && <span className="chip chip--warn">attempt {run.attempt}</span>}
            {run.reused && <span className="chip">reused</span>}
            <span className="trace__duration">{runDuration(run, now)}</span>
          </span>
        </button>
      </li>
    );
  },
  (a, b) =>
    a.rowKey === b.rowKey &&
    a.kind === b.kind &&
    a.position === b.position &&
    a.size === b.size &&
    a.name === b.name &&
    a.definition === b.definition &&
    a.selected === b.selected &&
    a.now === b.now &&
    a.onSelect === b.onSelect &&
    (a.run === b.run ||
      (a.run.stepId === b.run.stepId &&
        a.run.status === b.run.status &&
        a.run.attempt === b.run.attempt &&
        a.run.reused === b.run.reused &&
        a.run.startedAt === b.run.startedAt &&
        a.run.finishedAt === b.run.finishedAt)),
);

export function StepStatusMark({ status }: { status: StepStatus }) {
  return (
    <span className={`trace__status wf-status--${status}`} title={STATUS_LABELS[status]}>
      <StatusIcon status={status} />
      <span className="visually-hidden">{STATUS_LABELS[status]}</span>
    </span>
  );
}
