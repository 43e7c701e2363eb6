import type { StepRun, StepStatus } from '@weft/shared';
import type { InboxApproval } from '../../api/approvals';
import { formatElapsed } from '../../lib/elapsed';

/** One attempt of one step instance, drawn as a bar from its start to its end. */
export type TimelineBar = {
  key: string;
  stepId: string;
  iterationPath: string;
  attempt: number;
  status: StepStatus;
  start: number;
  /** Not finished yet: the bar runs to the end of the timeline. */
  end: number | null;
  /** Attempt 2 or later: a retry of a failed attempt. */
  retry: boolean;
};

/** An approval the run waited for, from its request to its decision (or still open). */
export type TimelineWait = { id: string; start: number; end: number | null; status: InboxApproval['status'] };

/** A sub-lane: one loop iteration and attempt of a step. */
export type TimelineSubLane = { key: string; label: string; bars: TimelineBar[]; waits: TimelineWait[] };
export type TimelineLane = { stepId: string; subLanes: TimelineSubLane[] };

/** The text marker every outcome carries beside its colour, so status never rests on colour alone. */
export const OUTCOME_MARK: Record<StepStatus, string> = {
  pending: '·',
  running: '▶',
  waiting: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  canceled: '⊘',
};

const time = (iso: string | null | undefined) => {
  const t = iso === null || iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/**
 * One lane per step in the order steps first started, with a sub-lane per loop iteration and
 * attempt (only when the step has more than one), and approval waits on the lane of their step.
 */
export function buildLanes(runs: Iterable<StepRun>, approvals: Iterable<InboxApproval>): TimelineLane[] {
  const byStep = new Map<string, { first: number; subLanes: Map<string, TimelineSubLane> }>();
  const sorted = [...runs].filter((run) => time(run.startedAt) !== null).sort((a, b) => (time(a.startedAt) ?? 0) - (time(b.startedAt) ?? 0));
  for (const run of sorted) {
    const start = time(run.startedAt) ?? 0;
    const lane = byStep.get(run.stepId) ?? { first: start, subLanes: new Map<string, TimelineSubLane>() };
    byStep.set(run.stepId, lane);
    const key = `${run.iterationPath}\u0000${run.attempt}`;
    const label = [run.iterationPath, run.attempt > 1 ? `attempt ${run.attempt}` : ''].filter((part) => part !== '').join(' · ');
    const subLane = lane.subLanes.get(key) ?? { key, label, bars: [], waits: [] };
    lane.subLanes.set(key, subLane);
    subLane.bars.push({
      key: `${run.stepId}\u0000${key}`,
      stepId: run.stepId,
      iterationPath: run.iterationPath,
      attempt: run.attempt,
      status: run.status,
      start,
      end: time(run.finishedAt),
      retry: run.attempt > 1,
    });
  }
  for (const approval of approvals) {
    if (approval.kind !== 'step' || approval.stepId === null) continue;
    const start = time(approval.requestedAt);
    const lane = byStep.get(approval.stepId);
    if (start === null || lane === undefined) continue;
    // The wait belongs to the latest attempt of its iteration that had started by the request.
    const candidates = [...lane.subLanes.values()].filter((sub) => sub.bars.some((bar) => bar.iterationPath === approval.iterationPath && bar.start <= start));
    const subLane = candidates.at(-1) ?? [...lane.subLanes.values()][0];
    subLane?.waits.push({ id: approval.id, start, end: time(approval.decision?.decidedAt), status: approval.status });
  }
  return [...byStep].sort(([, a], [, b]) => a.first - b.first).map(([stepId, lane]) => ({ stepId, subLanes: [...lane.subLanes.values()] }));
}

/** The instant shown as `HH:MM:SS.mmm` (UTC) beside the offset from the run's start (as every duration reads). */
export function describeInstant(instant: number, start: number): string {
  const clock = new Date(instant).toISOString().slice(11, 23);
  return `${clock} UTC, ${formatElapsed(Math.max(0, instant - start))} after the start`;
}

/** `?at=` of a link: an ISO date-time, or a notice saying why it is ignored. */
export function parseAtParam(value: string | null): { instant: number | null; notice: string | null } {
  if (value === null || value === '') return { instant: null, notice: null };
  // Only an ISO 8601 date-time: `Date.parse` alone accepts loose forms ("5", "May 1") differently per browser.
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
  const instant = iso.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(instant)) {
    return {
      instant: null,
      notice: `The link's time "${value.slice(0, 60)}" is not an ISO date-time (like 2025-01-31T12:00:00Z): showing the run as it is now.`,
    };
  }
  return { instant, notice: null };
}
