import type { StepStatus } from '@weft/shared';
import { parseIterationPath, type IterationSelection, type StepState } from '../store/step-status-store';

/** What a node shows for its step: one record, or several iterations summed up. */
export type StepDisplay = {
  status: StepStatus;
  startedAt: string | null;
  /** Null while any shown record is unfinished. */
  finishedAt: string | null;
  /** Highest attempt among the shown records (1 = first try). */
  attempt: number;
  /** How many iteration records are summed up (1 outside loops or with one iteration selected). */
  count: number;
  succeeded: number;
};

/** Most urgent first: an aggregate shows the most urgent status any iteration has. */
const PRIORITY: readonly StepStatus[] = ['running', 'waiting', 'failed', 'canceled', 'pending', 'succeeded', 'skipped'];

export const STATUS_LABELS: { readonly [S in StepStatus]: string } = {
  pending: 'Pending',
  running: 'Running',
  waiting: 'Waiting',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
  canceled: 'Canceled',
};

/** Keeps the records that belong to the iterations selected in the enclosing loops. */
export function recordsInSelection({
  records,
  loopIds,
  selections,
}: {
  records: readonly StepState[];
  /** Enclosing loops, outermost first. */
  loopIds: readonly string[];
  /** The iteration chosen in each of those loops. */
  selections: readonly IterationSelection[];
}): StepState[] {
  if (loopIds.every((_, i) => selections[i] === 'all' || selections[i] === undefined)) return [...records];
  return records.filter((record) => {
    const segments = parseIterationPath(record.iterationPath);
    return loopIds.every((loopId, i) => {
      const selection = selections[i];
      if (selection === 'all' || selection === undefined) return true;
      return segments.some((segment) => segment.loopId === loopId && segment.index === selection);
    });
  });
}

export function summariseRecords(records: readonly StepState[]): StepDisplay | null {
  if (records.length === 0) return null;
  let status: StepStatus = 'skipped';
  let startedAt: string | null = null;
  let finishedAt: string | null = null;
  let unfinished = false;
  let attempt = 0;
  let succeeded = 0;
  for (const record of records) {
    if (PRIORITY.indexOf(record.status) < PRIORITY.indexOf(status)) status = record.status;
    if (record.startedAt && (startedAt === null || record.startedAt < startedAt)) startedAt = record.startedAt;
    if (!record.finishedAt) unfinished = true;
    else if (finishedAt === null || record.finishedAt > finishedAt) finishedAt = record.finishedAt;
    attempt = Math.max(attempt, record.attempt ?? 0);
    if (record.status === 'succeeded') succeeded++;
  }
  return { status, startedAt, finishedAt: unfinished ? null : finishedAt, attempt, count: records.length, succeeded };
}
