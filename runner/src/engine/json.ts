import { NonRetriableStepError } from './errors';

/** A step output larger than this fails the step: it has to fit in one events frame (see PROTOCOL.md). */
export const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/**
 * What crosses the wire must be plain JSON: a step's output goes through a JSON round trip here,
 * so a BigInt, a cycle or a giant value fails the step instead of poisoning the event stream.
 */
export function toJsonValue(value: unknown, what: string, maxBytes = MAX_OUTPUT_BYTES): unknown {
  return JSON.parse(toJsonText(value, what, maxBytes)) as unknown;
}

/** `value` as JSON text (`null` for what JSON leaves out), under the same checks as `toJsonValue`. */
export function toJsonText(value: unknown, what: string, maxBytes = MAX_OUTPUT_BYTES): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new NonRetriableStepError(`${what} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { code: 'output_not_json' });
  }
  if (text === undefined) return 'null';
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new NonRetriableStepError(`${what} is too large (${bytes} bytes as JSON, at most ${maxBytes})`, { code: 'output_too_large' });
  }
  return text;
}
