import './executions.css';
import type { StepRun, StepStatus, WorkflowDefinition } from '@weft/shared';
import { StatusIcon } from '../diagram/nodes/icons';
import { STATUS_LABELS } from '../diagram/step-display';
import { formatElapsed } from '../lib/elapsed';
import { useNow } from '../lib/use-now';
import { describeIteration, latestRuns, stepName } from './step-runs';

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

/**
 * Every step instance of the run in the order it started: status, name, iteration, attempts,
 * duration. Selecting one selects its step in the diagram and opens its details.
 */
export function StepTrace({
  definition,
  runs,
  selectedStepId,
  onSelect,
}: {
  definition: WorkflowDefinition | null;
  runs: readonly StepRun[];
  selectedStepId: string | null;
  onSelect: (stepId: string) => void;
}) {
  const instances = latestRuns(runs).sort(order);
  const live = instances.some((run) => run.finishedAt === null && run.startedAt !== null);
  const now = useNow(live);
  if (instances.length === 0) return <p className="muted trace__empty">No step has started yet.</p>;
  return (
    <ol className="trace" aria-label="Step trace">
      {instances.map((run) => {
        const iteration = describeIteration(run.iterationPath, definition);
        return (
          <li key={`${run.stepId}\u0000${run.iterationPath}`}>
            <button
              type="button"
              className={`trace__row${run.stepId === selectedStepId ? ' is-selected' : ''}`}
              aria-pressed={run.stepId === selectedStepId}
              onClick={() => onSelect(run.stepId)}
              data-status={run.status}
            >
              <StepStatusMark status={run.status} />
              <span className="trace__name">
                {stepName(definition, run.stepId)}
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
      })}
    </ol>
  );
}

export function StepStatusMark({ status }: { status: StepStatus }) {
  return (
    <span className={`trace__status wf-status--${status}`} title={STATUS_LABELS[status]}>
      <StatusIcon status={status} />
      <span className="visually-hidden">{STATUS_LABELS[status]}</span>
    </span>
  );
}
