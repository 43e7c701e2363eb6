import { effectiveRetry, effectiveTimeoutSeconds, stepKey, type SerializedError, type Step, type WaitRequest } from '@weft/shared';
import type { Frame, RunContext } from './context';
import { toJsonValue } from './json';
import { classifyError, NonRetriableStepError, serializeStepError, StepTimeoutError, type ErrorClass } from './errors';
import type { StepOutcome } from './outcomes';
import { PausableDeadline } from './deadline';
import { ExecutionStop } from './types';
import type { AttemptEnd, AttemptTrace, StepTrace } from '../tracing/step-tracer';

/** The protocol caps attempt numbers per step instance. */
export const MAX_STEP_ATTEMPT = 100;

/** What one attempt's body reports back; the attempt runner turns it into exactly one terminal event. */
export type AttemptResult =
  | { type: 'succeeded'; output: unknown }
  /** `origin`: a container failed because this nested step did; reported as the execution's cause. */
  | { type: 'failed'; error: unknown; origin?: Extract<StepOutcome, { type: 'failed' }> }
  /** `wait` set: this step hands the execution back. Unset: a nested step did (a container just stops). */
  | { type: 'waiting'; wait?: WaitRequest }
  /** The body stopped because its signal aborted; the signal's reason says why. */
  | { type: 'interrupted' };

/**
 * `trace`: this attempt's span when traces are on (containers hand it to their nested frame).
 * `pauseClock`: stops the attempt's timeout until the returned function is called (a person is deciding).
 */
export type AttemptBody = (attempt: {
  attempt: number;
  signal: AbortSignal;
  trace: AttemptTrace | undefined;
  pauseClock: () => () => void;
}) => Promise<AttemptResult>;

const noPause = () => () => {};

type AttemptsInput = {
  ctx: RunContext;
  step: Step;
  frame: Frame;
  timeoutSeconds?: number | null;
  body: AttemptBody;
};

/** Spans (traces on only): the step's, opened with its first attempt, and the open attempt's, ended with its event. */
type AttemptSpans = { step?: StepTrace | undefined; attempt?: AttemptTrace | undefined };

/**
 * Runs a step's attempts: `step.started`, the body under a timeout (the step's own unless
 * `timeoutSeconds` says otherwise; null for none), then exactly one of
 * `step.succeeded`, `step.failed` (with `retryInMs` when another attempt follows), `step.canceled`
 * or `step.waiting`. Attempt numbers continue from earlier leases. Retries follow
 * `retry.maxAttempts` and `backoffSeconds * 2^(attempt-1)`, or a `RetryAfterError`'s delay.
 *
 * Attempts used in earlier leases count against `maxAttempts`, but a new lease always gets at least
 * one: an attempt interrupted by a lost lease is not the step's fault.
 */
export function runAttempts(input: AttemptsInput): Promise<StepOutcome> {
  if (!input.ctx.trace) return attemptLoop(input, {});
  const spans: AttemptSpans = {};
  return attemptLoop(input, spans).finally(() => spans.step?.end());
}

async function attemptLoop(
  { ctx, step, frame, timeoutSeconds = effectiveTimeoutSeconds(step), body }: AttemptsInput,
  spans: AttemptSpans,
): Promise<StepOutcome> {
  const report = (event: AttemptEnd) => {
    spans.attempt?.end(event);
    ctx.emit(event);
  };
  const key = stepKey(step.id, frame.iterationPath);
  const ref = { stepId: step.id, iterationPath: frame.iterationPath };
  const retry = effectiveRetry(step);
  const prior = ctx.attempts.get(key) ?? 0;
  const budget = Math.max(1, retry.maxAttempts - prior);

  for (let n = 1; ; n++) {
    if (frame.signal.aborted) return interruptedBeforeStart(frame.signal.reason, ref);
    const attempt = prior + n;
    if (attempt > MAX_STEP_ATTEMPT) {
      // Cannot even be reported as an attempt; the execution fails with the reason.
      return { type: 'failed', ...ref, error: serializeStepError(new NonRetriableStepError(`step ${step.id} used all ${MAX_STEP_ATTEMPT} attempts`)) };
    }
    const hold = ctx.holdBeforeStep?.(frame.signal);
    if (hold) {
      await hold;
      if (frame.signal.aborted) return interruptedBeforeStart(frame.signal.reason, ref);
    }
    ctx.attempts.set(key, attempt);
    ctx.emit({ type: 'step.started', ...ref, attempt });
    if (ctx.trace) {
      spans.step ??= ctx.trace.step({ step, iterationPath: frame.iterationPath, parent: frame.trace });
      spans.attempt = spans.step.attempt(attempt);
    }

    // Without a timeout the frame's signal is the attempt's: AbortSignal.any per attempt is not free.
    let timer: PausableDeadline | undefined;
    let signal = frame.signal;
    if (timeoutSeconds !== null) {
      const deadline = new AbortController();
      timer = new PausableDeadline(timeoutSeconds * 1000, () =>
        deadline.abort(new StepTimeoutError({ stepId: step.id, stepKey: key, seconds: timeoutSeconds })),
      );
      signal = AbortSignal.any([frame.signal, deadline.signal]);
    }
    let result: AttemptResult;
    try {
      result = await body({ attempt, signal, trace: spans.attempt, pauseClock: timer ? () => timer.pause() : noPause });
    } catch (error) {
      result = signal.aborted ? { type: 'interrupted' } : { type: 'failed', error };
    } finally {
      timer?.clear();
    }
    if (result.type === 'succeeded') {
      try {
        result = { type: 'succeeded', output: toJsonValue(result.output, `the output of step ${step.id}`) };
      } catch (error) {
        result = { type: 'failed', error };
      }
    }

    // Decide what ended the attempt.
    let failure: { error: SerializedError; class: ErrorClass; origin?: Extract<StepOutcome, { type: 'failed' }> };
    switch (result.type) {
      case 'succeeded':
        report({ type: 'step.succeeded', ...ref, attempt, output: result.output });
        return { type: 'succeeded', output: result.output };
      case 'waiting':
        if (result.wait) report({ type: 'step.waiting', ...ref, attempt, wait: result.wait });
        return { type: 'waiting' };
      case 'interrupted': {
        const reason: unknown = signal.reason;
        if (reason instanceof ExecutionStop) {
          report({ type: 'step.canceled', ...ref, attempt, reason: reason.reason.slice(0, 2000) });
          return { type: 'stopped' };
        }
        // Our own deadline may be retried; an enclosing container's deadline has passed for good.
        const own = reason instanceof StepTimeoutError && reason.stepKey === key;
        failure = { error: serializeStepError(reason), class: own ? classifyError(reason) : { retriable: false } };
        break;
      }
      case 'failed':
        failure = { error: serializeStepError(result.error), class: classifyError(result.error), ...(result.origin ? { origin: result.origin } : {}) };
        break;
      default: {
        const unexpected: never = result;
        throw new Error(`unknown attempt result ${JSON.stringify(unexpected)}`);
      }
    }

    if (failure.class.retriable && n < budget && attempt < MAX_STEP_ATTEMPT) {
      const retryInMs = failure.class.retryAfterMs ?? Math.round(retry.backoffSeconds * 1000 * 2 ** (attempt - 1));
      report({ type: 'step.failed', ...ref, attempt, error: failure.error, retryInMs });
      if (!(await sleep(retryInMs, frame.signal))) return interruptedBeforeStart(frame.signal.reason, ref);
      continue;
    }
    report({ type: 'step.failed', ...ref, attempt, error: failure.error });
    return failure.origin ?? { type: 'failed', ...ref, error: failure.error };
  }
}

/** The signal fired while no attempt of this step was running: nothing to report for the step itself. */
export function interruptedBeforeStart(reason: unknown, ref: { stepId: string; iterationPath: string }): StepOutcome {
  if (reason instanceof ExecutionStop) return { type: 'stopped' };
  return { type: 'failed', ...ref, error: serializeStepError(reason) };
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
