import {
  appendLogChunk,
  ExecutionSummary,
  StepLog,
  type StepRun,
  StepUpdated,
  isFinishedExecution,
  type Execution,
  type JournalEventEnvelope,
  type LogChunk,
} from '@weft/shared';
import { InboxApproval } from '../api/approvals';
import { isNewerRun } from './step-runs';

export type { LogChunk } from '@weft/shared';

/** What the execution page shows: the snapshot, with every journal event of the run applied over it. */
export type ExecutionState = {
  summary: ExecutionSummary;
  /** Every attempt of every step instance, by `runKey`. */
  runs: ReadonlyMap<string, StepRun>;
  /** Live output of running steps (bash stdout/stderr), by `runKey`. */
  logs: ReadonlyMap<string, readonly LogChunk[]>;
  /** Approvals of this run, by id (a decision never goes back to pending). */
  approvals: ReadonlyMap<string, InboxApproval>;
  /** The last journal seq applied: a resubscription replaying older events changes nothing. */
  seq: number;
};

/** Logs kept per attempt: the tail survives, the head is dropped (the same rule as retention's). */
export { MAX_LOG_CHARS } from '@weft/shared';

export const runKey = (run: { stepId: string; iterationPath: string; attempt: number }) => `${run.stepId}\u0000${run.iterationPath}\u0000${run.attempt}`;

/**
 * The state the snapshot gives. A run whose journal was compacted (retention) has its steps' logs
 * in the snapshot (`log`); before that they arrive as `step.log` events, applied over it.
 */
export function createExecutionState(execution: Execution): ExecutionState {
  const { steps, ...summary } = execution;
  const logs = new Map(steps.flatMap((run) => (run.log !== undefined && run.log.length > 0 ? [[runKey(run), run.log] as const] : [])));
  return { summary, runs: new Map(steps.map((run) => [runKey(run), run])), logs, approvals: new Map(), seq: 0 };
}

export type AppliedEvents = {
  state: ExecutionState;
  /** Whether anything shown changed (not just the seq). */
  changed: boolean;
  /** Step attempts that changed, for the diagram's status store. */
  changedRuns: StepRun[];
  approvals: InboxApproval[];
};

/**
 * Applies a batch of `execution:<id>` events. Replays are harmless: a finished run or execution
 * never goes back to an unfinished state, and an older attempt never hides a newer one.
 */
export function applyExecutionEvents(state: ExecutionState, events: readonly JournalEventEnvelope[]): AppliedEvents {
  let summary = state.summary;
  let runs: Map<string, StepRun> | null = null;
  let logs: Map<string, readonly LogChunk[]> | null = null;
  let approvalMap: Map<string, InboxApproval> | null = null;
  const changedRuns: StepRun[] = [];
  const approvals: InboxApproval[] = [];

  let seq = state.seq;
  for (const event of events) {
    if (event.seq <= seq) continue;
    seq = event.seq;
    switch (event.type) {
      case 'execution.updated': {
        const parsed = ExecutionSummary.safeParse(event.data);
        if (!parsed.success) break;
        if (isFinishedExecution(summary.status) && !isFinishedExecution(parsed.data.status)) break;
        summary = { ...parsed.data, workflowName: parsed.data.workflowName ?? summary.workflowName };
        break;
      }
      case 'step.updated': {
        const parsed = StepUpdated.safeParse(event.data);
        if (!parsed.success) break;
        const { executionId: _executionId, ...run } = parsed.data;
        const key = runKey(run);
        const current = (runs ?? state.runs).get(key);
        if (current !== undefined && !isNewerRun(run, current)) break;
        runs ??= new Map(state.runs);
        runs.set(key, current?.input !== undefined && run.input === undefined ? { ...run, input: current.input } : run);
        changedRuns.push(run);
        break;
      }
      case 'step.log': {
        const parsed = StepLog.safeParse(event.data);
        if (!parsed.success) break;
        logs ??= new Map(state.logs);
        const key = runKey(parsed.data);
        logs.set(key, appendLogChunk(logs.get(key) ?? [], { stream: parsed.data.stream, text: parsed.data.text }));
        break;
      }
      case 'approval.requested':
      case 'approval.decided':
      case 'approval.decision_recorded':
      case 'approval.closed': {
        const parsed = InboxApproval.safeParse(event.data);
        if (!parsed.success) break;
        approvals.push(parsed.data);
        const current = (approvalMap ?? state.approvals).get(parsed.data.id);
        if (current !== undefined && current.status !== 'pending' && parsed.data.status === 'pending') break;
        approvalMap ??= new Map(state.approvals);
        approvalMap.set(parsed.data.id, parsed.data);
        break;
      }
      default:
        break;
    }
  }
  const changed = summary !== state.summary || runs !== null || logs !== null || approvalMap !== null;
  const next = changed
    ? { summary, runs: runs ?? state.runs, logs: logs ?? state.logs, approvals: approvalMap ?? state.approvals, seq }
    : seq === state.seq
      ? state
      : { ...state, seq };
  return { state: next, changed, changedRuns, approvals };
}
