import { createHash } from 'node:crypto';
import path from 'node:path';
import { stepKey, validateWorkflowDefinition, type LeaseGrant, type RunnerEventBody } from '@weft/shared';
import type { Logger } from '../log';
import type { StepRegistry } from '../steps/registry';
import type { StepTracer } from '../tracing/step-tracer';
import { describeRef } from './conditional';
import type { RunContext } from './context';
import { truncate } from './errors';
import type { ExecutionOutcome } from './outcomes';
import { createRootScope } from './scope';
import { ExecutionStop } from './types';
import { runBlock } from './walk';

/** Validations of the versions leased most recently: a version's definition never changes. */
const validations = new Map<string, { text: string; result: ReturnType<typeof validateWorkflowDefinition> }>();
const VALIDATIONS_KEPT = 64;

/** Checked once per workflow version (again if the same version ever arrives with other content). */
function validatedDefinition(grant: LeaseGrant): ReturnType<typeof validateWorkflowDefinition> {
  const key = `${grant.workflowVersion}@${grant.workflowId}`;
  const text = JSON.stringify(grant.definition);
  const known = validations.get(key);
  if (known && known.text === text) return known.result;
  const result = validateWorkflowDefinition(grant.definition);
  if (validations.size >= VALIDATIONS_KEPT) validations.delete(validations.keys().next().value!);
  validations.set(key, { text, result });
  return result;
}

/** What every execution of this runner runs with; the engine hands its own to each `executeGrant`. */
export type ExecutionSettings = {
  registry: StepRegistry;
  dataDir: string;
  logger: Logger;
  graceMs?: number;
  now?: () => number;
  /** See `RunContext.holdBeforeStep`: no step starts while the runner is cut off from the server. */
  holdBeforeStep?: (signal: AbortSignal) => Promise<void> | null;
  /** Step and attempt spans; absent unless traces are configured. */
  tracer?: StepTracer | undefined;
};

export type ExecuteOptions = ExecutionSettings & {
  grant: LeaseGrant;
  emit(body: RunnerEventBody): void;
  /** Aborted with an `ExecutionStop`. */
  stop: AbortSignal;
};

export const DEFAULT_GRACE_MS = 2_000;

/**
 * Runs one lease of an execution to its end for this runner: finished, failed, waiting on the
 * server, or stopped. Emits step events on the way; the caller turns the outcome into
 * `execution.finished` (see `engine.ts`).
 */
export async function executeGrant(options: ExecuteOptions): Promise<ExecutionOutcome> {
  const { grant } = options;
  const validation = validatedDefinition(grant);
  if (!validation.ok) {
    const details = validation.errors.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
    return {
      type: 'failed',
      error: { name: 'InvalidWorkflowDefinition', message: truncate(`the workflow definition is invalid: ${details}`, 20_000), code: 'invalid_definition' },
    };
  }
  const { definition } = validation;
  const ctx: RunContext = {
    grant,
    emit: options.emit,
    registry: options.registry,
    completed: new Map(grant.completed.map((record) => [stepKey(record.stepId, record.iterationPath), record])),
    attempts: new Map(Object.entries(grant.stepAttempts)),
    stop: options.stop,
    workDir: grant.policy.workDir ?? path.join(options.dataDir, 'runs', safeDirName(grant.executionId)),
    logger: options.logger,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    now: options.now ?? Date.now,
    ...(options.holdBeforeStep ? { holdBeforeStep: options.holdBeforeStep } : {}),
    trace: options.tracer?.forLease(grant),
  };
  const scope = createRootScope(grant);
  const outcome = await runBlock({ ctx, steps: definition.steps, frame: { scope, iterationPath: '', signal: ctx.stop } });
  switch (outcome.type) {
    case 'completed': {
      const last = definition.steps[definition.steps.length - 1];
      return { type: 'succeeded', output: last === undefined ? null : (scope.steps[last.id]?.output ?? null) };
    }
    case 'failed':
      return { type: 'failed', error: { ...outcome.error, message: truncate(`step ${describeRef(outcome)} failed: ${outcome.error.message}`, 20_000) } };
    case 'waiting':
      return { type: 'waiting' };
    case 'stopped':
      return stoppedOutcome(ctx.stop.reason);
    default: {
      const unexpected: never = outcome;
      throw new Error(`unknown block outcome ${JSON.stringify(unexpected)}`);
    }
  }
}

function stoppedOutcome(reason: unknown): ExecutionOutcome {
  const stop = reason instanceof ExecutionStop ? reason : new ExecutionStop('abort', 'stopped');
  switch (stop.kind) {
    case 'cancel':
      return { type: 'canceled', reason: stop.reason };
    case 'abort':
      return { type: 'aborted', reason: stop.reason };
    case 'shutdown':
      return { type: 'interrupted', reason: stop.reason };
    default: {
      const unexpected: never = stop.kind;
      throw new Error(`unknown stop kind ${String(unexpected)}`);
    }
  }
}

/** Execution ids come from the server; anything that is not a plain name becomes a hash, never a path. */
export function safeDirName(id: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/.test(id) && !id.includes('..')) return id;
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}
