import { Cron } from 'croner';
import cronstrue from 'cronstrue';

/**
 * Cron arithmetic over croner, in the trigger's timezone, with Vixie cron's DST rules:
 * - spring-forward: a wall time the gap skips fires once, right after it at the same offset
 *   (02:30 -> 03:30; croner's rule);
 * - fall-back: a fixed-time schedule (minute and hour both fixed, `30 1 * * *`) fires once, on the
 *   first pass; an interval schedule (minute or hour field starting with `*`: every 30 minutes, hourly)
 *   fires at every real instant whose wall time matches, so in both passes of the repeated hour.
 *   croner fires only the first pass; `nextIntervalTick` adds the second.
 */
const cache = new Map<string, Cron>();
/** nextRun is pure in (pattern, timezone, after); many triggers share all three within a tick. */
const nextCache = new Map<string, number | null>();
const keys = new WeakMap<Cron, string>();
/** Interval schedules in a zone with DST, and the zone's name: they need the repeated-hour check. */
const intervals = new WeakMap<Cron, { pattern: string; timezone: string }>();

/** croner converts through Intl for every named zone (~0.2 ms a call); UTC needs no conversion. */
const UTC_NAMES = /^(?:Etc\/)?(?:UTC|UCT|GMT|GMT[+-]0|GMT0|Zulu|Universal|Greenwich)$/i;

export function compileCron(pattern: string, timezone: string): Cron {
  const key = `${timezone}\u0000${pattern}`;
  let cron = cache.get(key);
  if (!cron) {
    if (cache.size > 10_000) cache.clear();
    const utc = UTC_NAMES.test(timezone);
    cron = new Cron(pattern, utc ? { utcOffset: 0, paused: true } : { timezone, paused: true });
    cache.set(key, cron);
    keys.set(cron, key);
    if (!utc && isIntervalPattern(pattern)) intervals.set(cron, { pattern, timezone });
  }
  return cron;
}

/** null when valid; otherwise what is wrong, for a 422 naming `schedule.cron`. */
export function cronProblem(pattern: string, timezone: string, nowMs: number): string | null {
  let cron: Cron;
  try {
    cron = compileCron(pattern, timezone);
  } catch (err) {
    return `invalid cron: ${(err as Error).message.replace(/^CronPattern: /, '')}`;
  }
  try {
    if (cron.nextRun(new Date(nowMs)) === null) return 'cron never fires';
  } catch (err) {
    return `invalid cron: ${(err as Error).message}`;
  }
  return null;
}

export function describeCron(pattern: string, timezone: string): string {
  try {
    return `${cronstrue.toString(pattern, { use24HourTimeFormat: true, verbose: false })} (${timezone})`;
  } catch {
    return `${pattern} (${timezone})`;
  }
}

/** The first tick strictly after `afterMs`. */
export function nextTick(cron: Cron, afterMs: number): number | null {
  const key = `${keys.get(cron) ?? ''}\u0000${afterMs}`;
  const hit = nextCache.get(key);
  if (hit !== undefined) return hit;
  const interval = intervals.get(cron);
  const next = interval ? nextIntervalTick(cron, interval, afterMs) : (cron.nextRun(new Date(afterMs))?.getTime() ?? null);
  if (nextCache.size > 50_000) nextCache.clear();
  nextCache.set(key, next);
  return next;
}

/**
 * Vixie cron's "wildcard" job: the minute or the hour field starts with `*` (every N minutes,
 * `0 * * * *`, `@hourly`). Such a schedule runs by the clock's real instants, not by wall times.
 */
export function isIntervalPattern(pattern: string): boolean {
  const fields = pattern.trim().split(/\s+/);
  if (fields.length === 1) return /^@hourly$/i.test(fields[0]!);
  const [minute, hour] = fields.length >= 6 ? [fields[1]!, fields[2]!] : [fields[0]!, fields[1]!];
  return /^[*?]/.test(minute) || /^[*?]/.test(hour);
}

/**
 * The next instant after `afterMs` whose wall time in the zone matches an interval schedule. croner
 * passes a repeated hour once (and from inside its second pass answers an instant in the past), so
 * the candidates are croner's answer, when it is later than `afterMs`, and the answers of the same
 * pattern at the fixed offsets in force at `afterMs` and at croner's answer, each kept only if that
 * offset really is in force at the instant it names. The earliest candidate wins.
 */
function nextIntervalTick(cron: Cron, { pattern, timezone }: { pattern: string; timezone: string }, afterMs: number): number | null {
  const zoned = cron.nextRun(new Date(afterMs))?.getTime() ?? null;
  const candidates: number[] = zoned !== null && zoned > afterMs ? [zoned] : [];
  const offsets = new Set([offsetMinutes(timezone, afterMs + 1)]);
  if (zoned !== null) offsets.add(offsetMinutes(timezone, zoned));
  for (const offset of offsets) {
    const at = fixedOffsetCron(pattern, offset).nextRun(new Date(afterMs))?.getTime() ?? null;
    if (at !== null && at > afterMs && offsetMinutes(timezone, at) === offset) candidates.push(at);
  }
  return candidates.length > 0 ? Math.min(...candidates) : null;
}

const fixedOffsetCache = new Map<string, Cron>();
function fixedOffsetCron(pattern: string, offset: number): Cron {
  const key = `${offset}\u0000${pattern}`;
  let cron = fixedOffsetCache.get(key);
  if (!cron) {
    if (fixedOffsetCache.size > 10_000) fixedOffsetCache.clear();
    cron = new Cron(pattern, { utcOffset: offset, paused: true });
    fixedOffsetCache.set(key, cron);
  }
  return cron;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The zone's UTC offset at `atMs`, in minutes east of UTC. */
function offsetMinutes(timezone: string, atMs: number): number {
  let format = offsetFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
    offsetFormats.set(timezone, format);
  }
  const name = format.formatToParts(new Date(atMs)).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * Ticks in (afterMs, untilMs], oldest first, at most `limit` of them (the most recent ones).
 * `truncated` says older ticks in the range were left out; `beforeOldest` is the one right before.
 */
export function ticksBetween(
  cron: Cron,
  afterMs: number,
  untilMs: number,
  limit: number,
): { ticks: number[]; truncated: boolean; beforeOldest: number | null; following: number | null } {
  const ticks: number[] = [];
  let at = afterMs;
  // Walk forward (cheap when one or two are due); past the limit, walk back from the end instead.
  for (;;) {
    const next = nextTick(cron, at);
    if (next === null || next > untilMs) return { ticks, truncated: false, beforeOldest: null, following: next };
    if (ticks.length === limit) break;
    ticks.push(next);
    at = next;
  }
  // previousRuns is strictly before its reference, and milliseconds are stripped: step past untilMs.
  // It passes a repeated hour once: past the limit (over 1,000 missed ticks), an interval schedule's
  // second pass may be missing from the kept ticks.
  const recent = cron
    .previousRuns(limit + 2, new Date(untilMs + 1000))
    .map((d) => d.getTime())
    .filter((t) => t <= untilMs && t > afterMs)
    .reverse();
  const kept = recent.slice(-limit);
  const before = recent.length > limit ? recent[recent.length - limit - 1]! : null;
  return { ticks: kept, truncated: true, beforeOldest: before, following: nextTick(cron, untilMs) };
}
