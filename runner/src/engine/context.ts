import type { CompletedStep, ExpressionScope, LeaseGrant, RunnerEventBody } from '@weft/shared';
import type { Logger } from '../log';
import type { StepRegistry } from '../steps/registry';
import type { AttemptTrace, LeaseTrace } from '../tracing/step-tracer';

/** What every part of one execution's run shares. Built once per lease by `execute.ts`. */
export type RunContext = {
  readonly grant: LeaseGrant;
  /** Sends one event for this lease (silenced by the engine once the lease is gone). */
  emit(body: RunnerEventBody): void;
  readonly registry: StepRegistry;
  /** Steps finished in earlier leases, by `stepKey(stepId, iterationPath)`. */
  readonly completed: ReadonlyMap<string, CompletedStep>;
  /** Highest attempt number used per step instance: the grant's, then this lease's own. */
  readonly attempts: Map<string, number>;
  /** Aborted with an `ExecutionStop` on cancel, lost lease or shutdown. */
  readonly stop: AbortSignal;
  readonly workDir: string;
  readonly logger: Logger;
  /** How long a step may take to wind down after its signal aborted before the engine moves on. */
  readonly graceMs: number;
  now(): number;
  /**
   * Before a step attempt starts: a promise to wait on (the runner is cut off from the server, so
   * a step started now could not be reported and would only run again), or null to go on.
   */
  readonly holdBeforeStep?: (signal: AbortSignal) => Promise<void> | null;
  /** This lease's spans; absent when traces are off or the grant carries no `traceparent`. */
  readonly trace?: LeaseTrace | undefined;
};

/** Where in the definition the walker is: the scope it reads and writes, and the signal of the enclosing container. */
export type Frame = {
  readonly scope: ExpressionScope;
  /** `''` at top level, `each[2]`, `outer[1]/inner[0]`. */
  readonly iterationPath: string;
  /** The execution's stop signal, combined with every enclosing container's timeout. */
  readonly signal: AbortSignal;
  /** The enclosing container attempt's span, the parent of this frame's step spans (traces on only). */
  readonly trace?: AttemptTrace | undefined;
};
