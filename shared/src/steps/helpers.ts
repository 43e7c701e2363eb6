import { STEP_CATALOGUE } from './catalogue';
import type { ExpressionSite, JsonSchemaSite, Step, StepCatalogueEntry, StepType } from './types';

export const DEFAULT_RETRY_BACKOFF_SECONDS = 5;

// TypeScript cannot correlate `STEP_CATALOGUE[step.type]` with `step`; this is
// the one place that asserts they match.
function entryFor<T extends StepType>(step: Extract<Step, { type: T }>): StepCatalogueEntry<T> {
  return STEP_CATALOGUE[step.type as T] as unknown as StepCatalogueEntry<T>;
}

/** The step's timeout in seconds, or null for none (containers and waits by default). */
export function effectiveTimeoutSeconds(step: Step): number | null {
  return step.timeoutSeconds ?? STEP_CATALOGUE[step.type].defaultTimeoutSeconds;
}

/** Attempts include the first try: no `retry` means one attempt. */
export function effectiveRetry(step: Step): { maxAttempts: number; backoffSeconds: number } {
  return {
    maxAttempts: step.retry?.maxAttempts ?? 1,
    backoffSeconds: step.retry?.backoffSeconds ?? DEFAULT_RETRY_BACKOFF_SECONDS,
  };
}

/** One-line summary of a step for diagram nodes and lists. */
export function stepKeyParam(step: Step): string {
  return entryFor(step).keyParam(step);
}

/** Every expression and template a step holds itself (not its nested steps), `if` first. */
export function stepExpressionSites(step: Step): ExpressionSite[] {
  const own = entryFor(step).expressionSites(step);
  return step.if === undefined ? own : [{ path: ['if'], kind: 'expression', source: step.if }, ...own];
}

/** Every JSON Schema a step holds itself (not its nested steps): `output.schema` of an `agent_prompt`. */
export function stepJsonSchemaSites(step: Step): JsonSchemaSite[] {
  return entryFor(step).jsonSchemaSites?.(step) ?? [];
}
