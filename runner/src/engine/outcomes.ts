import type { SerializedError } from '@weft/shared';

/**
 * How one step instance ended, as the walker sees it. `stopped` means the execution was canceled,
 * aborted or is shutting down: nothing after it runs.
 */
export type StepOutcome =
  | { type: 'succeeded'; output: unknown }
  | { type: 'skipped' }
  | { type: 'failed'; error: SerializedError; stepId: string; iterationPath: string }
  | { type: 'waiting' }
  | { type: 'stopped' };

/** How a whole lease of an execution ended. */
export type ExecutionOutcome =
  | { type: 'succeeded'; output: unknown }
  | { type: 'failed'; error: SerializedError }
  /** A step handed the execution back to the server (approval, timer). */
  | { type: 'waiting' }
  | { type: 'canceled'; reason: string }
  /** The lease is gone (lost, stale): report nothing more. */
  | { type: 'aborted'; reason: string }
  /** The runner is stopping: the lease expires and the server grants the execution again. */
  | { type: 'interrupted'; reason: string };

/** A handler for every member of a union keyed by `type`; a new member is a compile error until handled. */
export type HandlerMap<U extends { type: string }, R> = { [K in U['type']]: (value: Extract<U, { type: K }>) => R };

export function matchOutcome<U extends { type: string }, R>(value: U, handlers: HandlerMap<U, R>): R {
  const handler = handlers[value.type as U['type']] as (value: U) => R;
  return handler(value);
}
