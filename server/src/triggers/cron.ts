import { Cron } from 'croner';
import cronstrue from 'cronstrue';

/**
 * Cron arithmetic over croner, in the trigger's timezone. croner's DST rules are kept as they are:
 * a wall time skipped by spring-forward fires at the same offset after the gap (02:30 -> 03:30),
 * and a wall time repeated by fall-back fires once, on its first pass.
 */
const cache = new Map<string, Cron>();
/** nextRun is pure in (pattern, timezone, after); many triggers share all three within a tick. */
const nextCache = new Map<string, number | null>();
const keys = new WeakMap<Cron, string>();

/** croner converts through Intl for every named zone (~0.2 ms a call); UTC needs no conversion. */
const UTC_NAMES = /^(?:Etc\/)?(?:UTC|UCT|GMT|GMT[+-]0|GMT0|Zulu|Universal|Greenwich)$/i;

export function compileCron(pattern: string, timezone: string): Cron {
  const key = `${timezone}\u0000${pattern}`;
  let cron = cache.get(key);
  if (!cron) {
    if (cache.size > 10_000) cache.clear();
    cron = new Cron(pattern, UTC_NAMES.test(timezone) ? { utcOffset: 0, paused: true } : { timezone, paused: true });
    cache.set(key, cron);
    keys.set(cron, key);
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
  const next = cron.nextRun(new Date(afterMs))?.getTime() ?? null;
  if (nextCache.size > 50_000) nextCache.clear();
  nextCache.set(key, next);
  return next;
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
  const recent = cron
    .previousRuns(limit + 2, new Date(untilMs + 1000))
    .map((d) => d.getTime())
    .filter((t) => t <= untilMs && t > afterMs)
    .reverse();
  const kept = recent.slice(-limit);
  const before = recent.length > limit ? recent[recent.length - limit - 1]! : null;
  return { ticks: kept, truncated: true, beforeOldest: before, following: nextTick(cron, untilMs) };
}
