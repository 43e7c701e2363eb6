import type { LeaseGrant, RunnerEventBody, Step, TracingSettings } from '@weft/shared';

/** The event that ends a step attempt; its span ends with the same outcome. */
export type AttemptEnd = Extract<RunnerEventBody, { type: 'step.succeeded' | 'step.failed' | 'step.waiting' | 'step.canceled' }>;

/** One attempt's span: the parent of nested steps' spans and of an http step's request. */
export type AttemptTrace = {
  /** W3C `traceparent` naming this attempt's span. */
  readonly traceparent: string;
  end(event: AttemptEnd): void;
};

/** A step's span over its attempts in this lease; ended once, with its last attempt's outcome. */
export type StepTrace = {
  attempt(attempt: number): AttemptTrace;
  end(): void;
};

/** One lease's spans, children of the execution span the grant names. */
export type LeaseTrace = {
  step(input: { step: Step; iterationPath: string; parent: AttemptTrace | undefined }): StepTrace;
};

/** The runner's traces (docs/api.md "Traces"); absent unless an OTLP endpoint is configured. */
export type StepTracer = {
  /** Undefined for a grant without `traceparent`: nothing is recorded for that lease. */
  forLease(grant: LeaseGrant): LeaseTrace | undefined;
  /** Sends what is batched and stops. */
  shutdown(): Promise<void>;
};

/** The SDK is imported only here, only when traces are configured: an unconfigured runner never loads it. */
export async function loadStepTracer(settings: TracingSettings | null): Promise<StepTracer | undefined> {
  if (settings === null) return undefined;
  const { createOtelStepTracer } = await import('./otel-step-tracer');
  return createOtelStepTracer(settings);
}
