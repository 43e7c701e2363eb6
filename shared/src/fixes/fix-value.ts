import { FIX_CUT_MARKER, FIX_LOG_LINE_MAX_CHARS, FIX_LOG_LINES, FIX_VALUE_MAX_CHARS, type FixValue } from './fix';

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

/** `text` cut to at most `max` characters, the cut marked by FIX_CUT_MARKER. */
export function cutFixText(text: string, max = FIX_VALUE_MAX_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - FIX_CUT_MARKER.length))}${FIX_CUT_MARKER}`;
}

/**
 * The newest FIX_LOG_LINES lines, each cut to FIX_LOG_LINE_MAX_CHARS, as many as fit in
 * FIX_VALUE_MAX_CHARS together (the oldest go first): what `/why` and a fix show of a step's log.
 */
export function cutLogTail(lines: string[]): string[] {
  const kept: string[] = [];
  let total = 0;
  for (const line of lines.slice(-FIX_LOG_LINES).reverse()) {
    const cut = cutFixText(line, FIX_LOG_LINE_MAX_CHARS);
    if (total + cut.length > FIX_VALUE_MAX_CHARS) break;
    total += cut.length;
    kept.push(cut);
  }
  return kept.reverse();
}
