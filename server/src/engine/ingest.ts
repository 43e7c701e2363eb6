import { isFinishedExecution, stepKey, type RunnerEvent } from '@weft/shared';
import type { ApprovalsService } from '../approvals/approvals-service';
import type { ExecutionRow, StepWrite } from '../executions/executions-repository';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { AgentMessages } from './agent-messages';
import type { Clock } from '../clock';
import type { LeaseGrace } from './lease-grace';
import { MAX_CHECKPOINT_BYTES, type StepState } from './step-state';
import { createApprovalGates, type GateCheck } from './approval-gates';
import type { OperationsLog } from '../http/operations-log';

export type IngestResult =
  | { type: 'ack'; seq: number; gapAt?: number }
  | { type: 'reject'; code: 'stale_lease' | 'execution_finished' | 'unknown_execution' | 'approval_refused'; message: string; seq: number };

/**
 * Stores a runner's event batch in one transaction: fenced by (runner, lease attempt), idempotent
 * by seq, and turned into step/execution state plus journal events.
 */
export function createIngest({
  journal,
  clock,
  executions,
  approvals,
  messages,
  grace,
  stepState,
  log,
}: {
  journal: Journal;
  clock: Clock;
  /** Leases from before a restart stay valid for one lease duration (see lease-grace.ts). */
  grace: LeaseGrace;
  executions: ExecutionsService;
  approvals: ApprovalsService;
  messages: AgentMessages;
  /** Checkpoints and workspace snapshots (step-state.ts), stored with the events that carry them. */
  stepState: StepState;
  /** A warning for each frame refused because it would pass a human gate (`approval_refused`). */
  log?: OperationsLog | undefined;
}) {
  const { repo, events: publish } = executions;
  const gates = createApprovalGates(repo.definitionOf);

  /**
   * The events this frame would apply, checked against the approval steps of the execution's stored
   * version before anything is applied (approval-gates.ts): a refusal applies none of them.
   */
  function checkGates(row: ExecutionRow, events: RunnerEvent[]): GateCheck {
    const index = gates.indexOf(row.workflow_id, row.workflow_version);
    // Without approval steps only a wait for people needs a look (it would be refused).
    const waitsForPeople = events.some((e) => e.type === 'step.waiting' && e.wait.kind === 'approval');
    if (index === null || (!index.hasGates && !waitsForPeople)) return { type: 'ok', ignore: new Set() };
    let latest: Map<string, { attempt: number; status: string }> | undefined;
    const stored = (stepId: string, iterationPath: string) => {
      if (latest === undefined) {
        latest = new Map();
        for (const r of repo.steps(row.id)) {
          const key = stepKey(r.step_id, r.iteration_path);
          const known = latest.get(key);
          if (!known || r.attempt >= known.attempt) latest.set(key, { attempt: r.attempt, status: r.status });
        }
      }
      return latest.get(stepKey(stepId, iterationPath))?.status ?? null;
    };
    const storedAttempt = (stepId: string, iterationPath: string, attempt: number) => repo.stepRun(row.id, stepId, iterationPath, attempt)?.status ?? null;
    return gates.check({ index, version: row.workflow_version, events, stored, storedAttempt });
  }

  /** What one ingest call (one runner frame) knows across its events. */
  type FrameState = {
    sessionId: string | null;
    /** Steps (stepKey|attempt) that also finish in this frame: their start is stored with the finish. */
    finishing: Set<string>;
    /** Inputs of starts folded into their finish. */
    foldedInputs: Map<string, unknown>;
    /** Step finishes not written yet: a run of them is written in one statement (see `writeFinished`). */
    finished: StepWrite[];
    /**
     * The execution's row as this frame's transaction read it, while nothing applied since could have
     * changed it (step records and logs do not; a chat message may): saves reading it again to finish.
     */
    row: ExecutionRow | undefined;
    /** Whether the execution may have a checkpoint stored: read at the frame's first finish, set by a checkpoint it stores. */
    checkpoints: boolean | undefined;
  };
  const attemptKey = (e: { stepId: string; iterationPath: string; attempt: number }) => `${e.stepId}|${e.iterationPath}|${e.attempt}`;

  /** Writes the pending step finishes, journaling them in the order they came. */
  function writeFinished(executionId: string, frame: FrameState) {
    if (frame.finished.length === 0) return;
    const steps = repo.writeSteps(frame.finished);
    frame.finished = [];
    for (const step of steps) publish.stepRunUpdated(executionId, step, frame.sessionId);
  }

  const isStepFinish = (e: RunnerEvent) => e.type === 'step.succeeded' || e.type === 'step.failed' || e.type === 'step.canceled';

  function apply(executionId: string, leaseAttempt: number, e: RunnerEvent, frame: FrameState) {
    // Anything that writes is written after the finishes before it, so the journal keeps the runner's
    // order; a start folded into its finish writes nothing and lets the run of finishes go on.
    const folded = e.type === 'step.started' && frame.finishing.has(attemptKey(e));
    if (!isStepFinish(e) && !folded) writeFinished(executionId, frame);
    const now = clock.now().toISOString();
    switch (e.type) {
      case 'step.started': {
        // Started and finished within one batch: nobody could have seen it running, so one write
        // and one event (with startedAt) say it all, as a durable history records a completed activity.
        if (frame.finishing.has(attemptKey(e))) {
          frame.foldedInputs.set(attemptKey(e), e.input);
          return;
        }
        publish.stepUpdated(
          executionId,
          repo.upsertStep({
            executionId,
            stepId: e.stepId,
            iterationPath: e.iterationPath,
            attempt: e.attempt,
            status: 'running',
            startedAt: now,
            input: e.input,
            leaseAttempt,
          }),
          frame.sessionId,
        );
        return;
      }
      case 'step.log':
        publish.log(executionId, { stepId: e.stepId, iterationPath: e.iterationPath, attempt: e.attempt, stream: e.stream, text: e.text });
        return;
      case 'step.succeeded':
      case 'step.failed':
      case 'step.canceled': {
        const status = e.type === 'step.succeeded' ? 'succeeded' : e.type === 'step.failed' ? 'failed' : 'canceled';
        // A failure another attempt follows (`retryInMs`) does not end the step instance: the retry
        // resumes from its checkpoint (conversation, usage, time paused for people) on any lease.
        if (e.type !== 'step.failed' || e.retryInMs === undefined) {
          // Most runs never checkpoint: one look per frame instead of a DELETE per finished step.
          frame.checkpoints ??= stepState.hasCheckpoints(executionId);
          if (frame.checkpoints) stepState.dropCheckpoint(executionId, e);
        }
        frame.finished.push({
          executionId,
          stepId: e.stepId,
          iterationPath: e.iterationPath,
          attempt: e.attempt,
          status,
          startedAt: now, // kept when the step already started (COALESCE in the upsert)
          finishedAt: now,
          input: frame.foldedInputs.get(attemptKey(e)),
          output: e.type === 'step.succeeded' ? e.output : undefined,
          error: e.type === 'step.failed' ? e.error : e.type === 'step.canceled' ? { name: 'Canceled', message: e.reason } : undefined,
          retryInMs: e.type === 'step.failed' ? (e.retryInMs ?? null) : null,
          leaseAttempt,
        });
        return;
      }
      case 'step.skipped': {
        publish.stepUpdated(
          executionId,
          repo.upsertStep({
            executionId,
            stepId: e.stepId,
            iterationPath: e.iterationPath,
            attempt: 0,
            status: 'skipped',
            finishedAt: now,
            output: { reason: e.reason },
            leaseAttempt,
          }),
          frame.sessionId,
        );
        return;
      }
      case 'step.waiting': {
        // The containers around the waiting step wait with it.
        for (const open of repo.activeSteps(executionId)) {
          if (open.status !== 'running' || (open.step_id === e.stepId && open.iteration_path === e.iterationPath)) continue;
          const container = repo.upsertStep({
            executionId,
            stepId: open.step_id,
            iterationPath: open.iteration_path,
            attempt: open.attempt,
            status: 'waiting',
            startedAt: open.started_at,
            leaseAttempt: open.lease_attempt,
          });
          publish.stepUpdated(executionId, container, frame.sessionId);
        }
        // started_at stays the step's own start (COALESCE in the upsert).
        const waiting = repo.upsertStep({
          executionId,
          stepId: e.stepId,
          iterationPath: e.iterationPath,
          attempt: e.attempt,
          status: 'waiting',
          startedAt: now,
          leaseAttempt,
        });
        publish.stepUpdated(executionId, waiting, frame.sessionId);
        // The execution holds no runner while it waits.
        if (e.wait.kind === 'approval') {
          repo.release(executionId, { status: 'waiting', wakeAt: null, now });
          approvals.requestWithin({ executionId, stepId: e.stepId, iterationPath: e.iterationPath, attempt: e.attempt, wait: e.wait });
        } else {
          repo.release(executionId, { status: 'waiting', wakeAt: Date.parse(e.wait.wakeAt), now });
        }
        publish.executionUpdated(executionId);
        return;
      }
      case 'message':
        frame.row = undefined;
        try {
          messages.apply({ executionId, stepId: e.stepId, iterationPath: e.iterationPath, attempt: e.attempt, event: e.message });
        } catch (err) {
          // A bad chat event must not stall the execution: record it where the execution view shows it.
          if (!(err instanceof AppError)) throw err;
          publish.log(executionId, {
            stepId: e.stepId,
            iterationPath: e.iterationPath,
            attempt: e.attempt,
            stream: 'stderr',
            text: `chat message dropped: ${err.message}`,
          });
        }
        return;
      case 'step.checkpoint': {
        const kept = stepState.saveCheckpoint(executionId, e, now);
        if (kept.stored) frame.checkpoints = true;
        else {
          const text = `checkpoint not kept: its state is ${kept.bytes} bytes, over the ${MAX_CHECKPOINT_BYTES}-byte limit; a resumed attempt starts from the last one kept`;
          publish.log(executionId, { stepId: e.stepId, iterationPath: e.iterationPath, attempt: e.attempt, stream: 'stderr', text });
        }
        return;
      }
      case 'workspace.snapshot':
        stepState.saveSnapshot(executionId, e, now);
        return;
      case 'execution.finished':
        executions.finishWithin(executionId, { status: e.status, output: e.output, error: e.error }, frame.row);
        return;
      default: {
        const never: never = e;
        throw new Error(`unhandled runner event ${JSON.stringify(never)}`);
      }
    }
  }

  return function ingest({
    runnerId,
    executionId,
    attempt,
    events,
  }: {
    runnerId: string;
    executionId: string;
    attempt: number;
    events: RunnerEvent[];
  }): IngestResult {
    return journal.batched(() => {
      const row = repo.get(executionId);
      const lastSeq = row ? repo.lastRunnerSeq(executionId, attempt) : 0;
      if (!row) return { type: 'reject', code: 'unknown_execution', message: `execution ${executionId} does not exist`, seq: 0 } as const;
      if (isFinishedExecution(row.status)) {
        return { type: 'reject', code: 'execution_finished', message: `execution ${executionId} is ${row.status}`, seq: lastSeq } as const;
      }
      if (!grace.holds(row, { runnerId, attempt }, clock.now().getTime())) {
        return { type: 'reject', code: 'stale_lease', message: `lease attempt ${attempt} of ${executionId} is not held by this runner`, seq: lastSeq } as const;
      }
      let seq = lastSeq;
      let gapAt: number | undefined;
      let leaseEnded = false;
      const sorted = [...events].sort((a, b) => a.seq - b.seq);
      // What would be applied: the new events up to a gap, and up to one that ends the lease.
      const toApply: RunnerEvent[] = [];
      for (let next = lastSeq + 1, i = 0; i < sorted.length; i++) {
        const e = sorted[i]!;
        if (e.seq < next) continue;
        if (e.seq !== next) break;
        toApply.push(e);
        next++;
        if (e.type === 'step.waiting' || e.type === 'execution.finished') break;
      }
      const gate = checkGates(row, toApply);
      if (gate.type === 'refuse') {
        log?.warn({ executionId, runnerId, attempt, seq: gate.seq, reason: gate.message }, 'runner events refused: only people pass approval steps');
        return { type: 'reject', code: 'approval_refused', message: `event seq ${gate.seq} refused: ${gate.message}`, seq: lastSeq } as const;
      }
      const frame: FrameState = { sessionId: row.session_id, finishing: new Set(), foldedInputs: new Map(), finished: [], row, checkpoints: undefined };
      // Only finishes that will surely be applied: before any gap, and before anything that may end the lease.
      for (const e of toApply) {
        if (e.type === 'step.waiting' || e.type === 'execution.finished') break;
        if (isStepFinish(e)) frame.finishing.add(attemptKey(e as Extract<RunnerEvent, { stepId: string; attempt: number }>));
      }
      for (const e of sorted) {
        if (e.seq <= seq) continue; // already stored: a resend
        if (e.seq !== seq + 1) {
          gapAt = e.seq;
          break;
        }
        // A report of the server's own decision on an approval step: acknowledged, never applied.
        if (gate.ignore.has(e.seq)) {
          seq = e.seq;
          continue;
        }
        apply(executionId, attempt, e, frame);
        // A message may have given the execution a chat session.
        if (e.type === 'message') frame.sessionId = repo.sessionOf(executionId) ?? null;
        seq = e.seq;
        // A step that handed the execution back (waiting) or finished it released the lease: that ends its writes.
        if (e.type === 'step.waiting' || e.type === 'execution.finished') {
          leaseEnded = true;
          break;
        }
      }
      writeFinished(executionId, frame);
      // A lease that ended in this frame takes no more events (they are refused as stale or
      // finished before the cursor is read), so its cursor would be a row nobody reads: not written.
      if (seq > lastSeq && !leaseEnded) repo.setRunnerSeq(executionId, attempt, seq);
      return gapAt === undefined ? ({ type: 'ack', seq } as const) : ({ type: 'ack', seq, gapAt } as const);
    });
  };
}

export type Ingest = ReturnType<typeof createIngest>;
