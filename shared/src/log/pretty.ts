import { z } from 'zod';

/** WEFT_LOG_FORMAT: `json` (one JSON object per line, for machines) or `pretty` (one readable line, for people). */
export const LogFormat = z.enum(['json', 'pretty']);
export type LogFormat = z.infer<typeof LogFormat>;

/** pino's numeric levels (server) and the runner's names, shown the same way. */
const LEVEL_NAMES: Record<string, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Shown in the line's head (time, level, message) or not at all. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v']);

const showValue = (value: unknown): string => {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
};

const showTime = (time: unknown): string => {
  const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(11, 23) : '--:--:--.---';
};

/**
 * One log entry as one line for people: `22:01:07.123 WARN  runner step failed executionId=ex_1 stepId=build`.
 * Fields keep their names so a pretty log is searched the same way as a JSON one; multi-line
 * values (stacks) stay on the line, escaped.
 */
export function prettyLogLine(entry: Record<string, unknown>): string {
  const level = LEVEL_NAMES[String(entry.level)] ?? String(entry.level ?? 'INFO').toUpperCase();
  const source = entry.name === 'weft-runner' ? 'runner ' : '';
  const fields = Object.entries(entry)
    .filter(([key, value]) => !HEAD_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${showValue(value)}`);
  const message = typeof entry.msg === 'string' ? entry.msg.replace(/\r?\n/g, '\\n') : '';
  return [`${showTime(entry.time)} ${level.padEnd(5)} ${source}${message}`, ...fields].join(' ');
}

/** A JSON log line (or a chunk of them) in the pretty form; anything not JSON passes through unchanged. */
export function prettyLogText(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return parsed !== null && typeof parsed === 'object' ? prettyLogLine(parsed as Record<string, unknown>) : line;
      } catch {
        return line;
      }
    })
    .map((line) => `${line}\n`)
    .join('');
}
