import { FIX_VALUE_MAX_CHARS, type FixValue } from './fix';

/**
 * A value as the JSON text a fix shows, cut to `max` characters. `undefined` (no value) is
 * `null`; a value JSON cannot hold (a cycle, a bigint) is its string form, so a fix never fails on it.
 */
export function toFixValue(value: unknown, max = FIX_VALUE_MAX_CHARS): FixValue {
  let json: string;
  try {
    json = JSON.stringify(value ?? null, null, 2) ?? 'null';
  } catch {
    json = JSON.stringify(String(value));
  }
  return json.length > max ? { json: json.slice(0, max), truncated: true } : { json, truncated: false };
}
