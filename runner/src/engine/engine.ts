import type { LeaseGrant, RunnerEventBody } from '@weft/shared';
import { logStepEvent } from './step-log';
import { serializeStepError } from './errors';
import { executeGrant, type ExecutionSettings } from './execute';
import { matchOutcome, type ExecutionOutcome, type HandlerMap } from './outcomes';
import { ExecutionStop, type EventSink, type LeaseRef } from './types';

type Run = {
  lease: LeaseRef;
  controller: AbortController;
  /** Set once the lease is gone: nothing more may be reported for it. */
  silenced: boolean;
  done: Promise<void>;
};

export type EngineOptions = ExecutionSettings & {
  sink: EventSink;
  /**
   * A lease's run ended however it ended (finished, waiting, lost, stopped) and no newer lease of the
   * execution runs here: drop what it kept (workspace clones). A later lease rebuilds from its grant.
   */
  onRunEnded?: (executionId: string) => void;
};

/** The last event of a lease, by how it ended; waiting, aborted and interrupted runs end silently. */
const finalEvent: HandlerMap<ExecutionOutcome, RunnerEventBody | null> = {
  succeeded: (o) => ({ type: 'execution.finished', status: 'succeeded', output: o.output }),
  failed: (o) => ({ type: 'execution.finished', status: 'failed', error: o.error }),
  canceled: () => ({ type: 'execution.finished', status: 'canceled' }),
  // The server put the execution in `waiting` and released the lease.
  waiting: () => null,
  // The lease belongs to someone else now.
  aborted: () => null,
  // The runner is stopping: the lease expires and the server grants the execution again.
  interrupted: () => null,
};

/**
 * Runs leased executions concurrently, one `executeGrant` each, and stops them on request:
 * `cancel` (reported: steps canceled, execution canceled), `abort` (lost lease: silent) and
 * `shutdown` (steps canceled, the lease left to expire).
 */
export class Engine {
  private readonly runs = new Map<string, Run>();
  private accepting = true;

  constructor(private readonly options: EngineOptions) {}

  /** Starts a grant. A duplicate of a running lease is ignored; a newer attempt replaces an older one. */
  start(grant: LeaseGrant): void {
    const { logger } = this.options;
    const lease = { executionId: grant.executionId, attempt: grant.attempt };
    if (!this.accepting) {
      logger.warn('lease refused: the runner is shutting down', lease);
      return;
    }
    const existing = this.runs.get(grant.executionId);
    if (existing) {
      if (existing.lease.attempt >= grant.attempt) {
        logger.warn('duplicate lease ignored', { ...lease, running: existing.lease.attempt });
        return;
      }
      this.stopRun(existing, new ExecutionStop('abort', `superseded by lease attempt ${grant.attempt}`));
    }
    const controller = new AbortController();
    const run: Run = { lease, controller, silenced: false, done: Promise.resolve() };
    const emit = (body: RunnerEventBody) => {
      if (run.silenced) return;
      logStepEvent(logger, lease.executionId, body);
      this.options.sink.emit(lease, body);
    };
    logger.info('execution started', { ...lease, workflowId: grant.workflowId, resumed: grant.completed.length });
    // Known before the first step runs: a step may ask for its lease (tool calls) synchronously.
    this.runs.set(grant.executionId, run);
    const { sink: _sink, onRunEnded: _onRunEnded, ...settings } = this.options;
    run.done = executeGrant({ ...settings, grant, emit, stop: controller.signal })
      .catch((error: unknown): ExecutionOutcome => {
        logger.error('execution crashed', { ...lease, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        return { type: 'failed', error: { ...serializeStepError(error), code: 'runner_internal' } };
      })
      .then((outcome) => {
        const last = matchOutcome(outcome, finalEvent);
        if (last) emit(last);
        logger.info('execution ended', { ...lease, outcome: outcome.type });
      })
      .finally(() => {
        this.options.sink.close(lease);
        if (this.runs.get(lease.executionId) === run) {
          this.runs.delete(lease.executionId);
          this.options.onRunEnded?.(lease.executionId);
        }
      });
  }

  /** The server canceled the execution: stop it and report it canceled. */
  cancel({ executionId, attempt, reason }: { executionId: string; attempt: number; reason: string }): void {
    const run = this.runs.get(executionId);
    if (!run) return;
    if (run.lease.attempt !== attempt)
      this.options.logger.warn('cancel for another lease attempt; stopping the execution anyway', { executionId, attempt, running: run.lease.attempt });
    this.stopRun(run, new ExecutionStop('cancel', reason));
  }

  /** The lease is no longer ours: stop at once and report nothing more. */
  abort({ executionId, attempt, reason }: LeaseRef & { reason: string }): void {
    const run = this.runs.get(executionId);
    if (!run || run.lease.attempt !== attempt) return;
    this.options.logger.warn('lease lost; stopping the execution', { executionId, attempt, reason });
    this.stopRun(run, new ExecutionStop('abort', reason));
  }

  /** Stops taking work and stops every execution (steps canceled, leases left to expire). */
  async shutdown(reason = 'runner shutting down'): Promise<void> {
    this.accepting = false;
    for (const run of this.runs.values()) this.stopRun(run, new ExecutionStop('shutdown', reason));
    await this.whenIdle();
  }

  /** Leases of the executions running now. */
  leases(): LeaseRef[] {
    return [...this.runs.values()].map((run) => run.lease);
  }

  get size(): number {
    return this.runs.size;
  }

  isRunning(executionId: string): boolean {
    return this.runs.has(executionId);
  }

  /** Resolves when no execution is running. */
  async whenIdle(): Promise<void> {
    while (this.runs.size > 0) await Promise.all([...this.runs.values()].map((run) => run.done));
  }

  private stopRun(run: Run, stop: ExecutionStop): void {
    if (run.controller.signal.aborted) {
      // A lost lease silences even a run that is already winding down from a cancel.
      if (stop.kind === 'abort') run.silenced = true;
      return;
    }
    if (stop.kind === 'abort') run.silenced = true;
    run.controller.abort(stop);
  }
}
