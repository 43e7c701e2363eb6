import { ExpressionError, type SerializedError } from '@weft/shared';

/** A step failure with an optional `code` (it crosses the wire) and `cause`. */
abstract class CodedStepError extends Error {
  readonly code: string | undefined;
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** A failure retrying cannot fix (bad configuration, bash disabled, a loop over a non-array). */
export class NonRetriableStepError extends CodedStepError {
  override readonly name = 'NonRetriableStepError';
}

/** A failure worth retrying after a specific delay (e.g. an HTTP 429 with Retry-After). */
export class RetryAfterError extends CodedStepError {
  override readonly name = 'RetryAfterError';
  readonly retryAfterMs: number;
  constructor(message: string, options: { retryAfterMs: number; code?: string; cause?: unknown }) {
    super(message, options);
    this.retryAfterMs = Math.max(0, Math.round(options.retryAfterMs));
  }
}

/** A step that failed with a plain message and an optional code (non-zero exit, HTTP 500...). Retriable. */
export class StepFailedError extends CodedStepError {
  override readonly name = 'StepFailedError';
}

/** The step (or a container around it) ran past its `timeoutSeconds`. */
export class StepTimeoutError extends Error {
  override readonly name = 'StepTimeoutError';
  readonly code = 'step_timeout';
  /** `stepId|iterationPath` of the step whose deadline passed. */
  readonly stepKey: string;
  constructor({ stepId, stepKey, seconds }: { stepId: string; stepKey: string; seconds: number }) {
    super(`step ${stepId} timed out after ${seconds} s`);
    this.stepKey = stepKey;
  }
}

export type ErrorClass = { retriable: false } | { retriable: true; retryAfterMs?: number };

/** Retry rules live in the error classes: the engine asks here and nowhere else. */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof NonRetriableStepError) return { retriable: false };
  // An expression that failed on this data fails the same way next time.
  if (error instanceof ExpressionError) return { retriable: false };
  if (error instanceof RetryAfterError) return { retriable: true, retryAfterMs: error.retryAfterMs };
  return { retriable: true };
}

const MAX_MESSAGE = 20_000;
const MAX_NAME = 200;

/** Errors cross the wire as `{ name, message, code? }` only, within the protocol's limits. */
export function serializeStepError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: truncate(error.name || 'Error', MAX_NAME),
      message: truncate(error.message, MAX_MESSAGE),
      ...(typeof code === 'string' && code !== '' ? { code: truncate(code, MAX_NAME) } : {}),
    };
  }
  if (isSerializedError(error)) {
    return {
      name: truncate(error.name, MAX_NAME),
      message: truncate(error.message, MAX_MESSAGE),
      ...(error.code ? { code: truncate(error.code, MAX_NAME) } : {}),
    };
  }
  return { name: 'Error', message: truncate(typeof error === 'string' ? error : describe(error), MAX_MESSAGE) };
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' && value !== null && typeof (value as SerializedError).name === 'string' && typeof (value as SerializedError).message === 'string'
  );
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'unknown error';
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
