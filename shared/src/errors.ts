import { z } from 'zod';

/**
 * Machine-readable error codes shared by every Weft HTTP API and socket.
 * Clients branch on `code`; `message` is for humans and may change.
 */
export const API_ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'validation_failed',
  'internal',
] as const;

export const ApiErrorCode = z.enum(API_ERROR_CODES);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

// `code` stays a plain string on the wire so an older client can still read an
// error body that carries a code it does not know yet.
export const ApiErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** `details` of a `validation_failed` error: one entry per problem, `path` like `steps[2].then[0].command`. */
export const ValidationIssue = z.object({ path: z.string(), message: z.string() });
export type ValidationIssue = z.infer<typeof ValidationIssue>;

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  cause?: SerializedError;
}

// Declared by hand because zod cannot infer a recursive type; the annotation
// keeps the schema and the interface from drifting apart.
export const SerializedError: z.ZodType<SerializedError> = z.object({
  name: z.string(),
  message: z.string(),
  code: z.string().optional(),
  get cause() {
    return SerializedError.optional();
  },
});

const MAX_CAUSE_DEPTH = 5;

/**
 * Turns anything thrown into a plain object that survives JSON, so errors
 * cross process boundaries as data and never as `Error` instances.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  try {
    if (error instanceof Error) {
      const serialized: SerializedError = { name: error.name, message: error.message };
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string') serialized.code = code;
      if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
        serialized.cause = serializeError(error.cause, depth + 1);
      }
      return serialized;
    }
    return { name: 'NonError', message: typeof error === 'string' ? error : describeThrown(error) };
  } catch {
    // A hostile error object (throwing getters, revoked proxy) must not turn
    // error reporting into a second failure.
    return { name: 'Error', message: 'unserializable error' };
  }
}

function describeThrown(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? 'unknown error';
    } catch {
      return 'unknown error';
    }
  }
  return String(value);
}
