import cronstrue from 'cronstrue';

/**
 * Cron in the browser: the words (cronstrue, as the server's descriptions) and the next few ticks
 * for the common five-field syntax. The server checks every cron with croner and computes the
 * authoritative `nextRunAt`; what is not understood here (`L`, `W`, `#`, seconds fields) is left
 * to it, and the preview says so.
 */

export type CronWords = { ok: true; text: string } | { ok: false; message: string };

/** "At 09:00 AM, Monday through Friday", or why the expression cannot be read. */
export function describeCron(expression: string): CronWords {
  const trimmed = expression.trim();
  if (trimmed === '') return { ok: false, message: 'Enter a cron expression' };
  try {
    return { ok: true, text: cronstrue.toString(trimmed, { throwExceptionOnParseError: true }) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: message.replace(/^Error: /, '') };
  }
}

type Field = { min: number; max: number; names?: readonly string[] };
const MINUTE: Field = { min: 0, max: 59 };
const HOUR: Field = { min: 0, max: 23 };
const DAY: Field = { min: 1, max: 31 };
const MONTH: Field = { min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] };
const WEEKDAY: Field = { min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] };

const ALIASES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export type CronPattern = {
  minutes: readonly number[];
  hours: readonly number[];
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Both day fields restricted: a day matches either (classic cron, croner's default). */
  eitherDay: boolean;
  anyDay: boolean;
  anyWeekday: boolean;
};

function value(token: string, field: Field): number | null {
  const upper = token.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (field === MONTH ? 1 : 0);
  if (!/^\d+$/.test(token)) return null;
  const n = Number(token);
  return n >= field.min && n <= field.max ? n : null;
}

/** One field (`*`, `1-5`, `*\/15`, `MON,WED`, `10-40/10`) as the sorted values it allows; null when unsupported. */
function parseField(text: string, field: Field): { values: number[]; any: boolean } | null {
  const out = new Set<number>();
  let any = false;
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) return null;
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : null;
    if (step === null) return null;
    let from: number | null;
    let to: number | null;
    if (range === '*' || range === '?') {
      from = field.min;
      to = field === WEEKDAY ? 6 : field.max;
      if (stepText === undefined) any = true;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a, field);
      to = value(b, field);
    } else {
      from = value(range, field);
      to = stepText === undefined ? from : field.max;
    }
    if (from === null || to === null || from > to) return null;
    for (let v = from; v <= to; v += step) out.add(field === WEEKDAY && v === 7 ? 0 : v);
  }
  return { values: [...out].sort((a, b) => a - b), any };
}

/** The five-field subset every cron shares; null for anything else (the server may still accept it). */
export function parseCron(expression: string): CronPattern | null {
  const trimmed = expression.trim();
  const parts = (ALIASES[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
  if (parts.length !== 5) return null;
  const [m, h, d, mo, w] = parts as [string, string, string, string, string];
  const minutes = parseField(m, MINUTE);
  const hours = parseField(h, HOUR);
  const days = parseField(d, DAY);
  const months = parseField(mo, MONTH);
  const weekdays = parseField(w, WEEKDAY);
  if (!minutes || !hours || !days || !months || !weekdays) return null;
  return {
    minutes: minutes.values,
    hours: hours.values,
    days: new Set(days.values),
    months: new Set(months.values),
    weekdays: new Set(weekdays.values),
    eitherDay: !days.any && !weekdays.any,
    anyDay: days.any,
    anyWeekday: weekdays.any,
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

type Wall = { year: number; month: number; day: number; hour: number; minute: number };

function wallTime(instant: number, timezone: string): Wall {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(timezone).formatToParts(instant)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute! };
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, timezone: string): number {
  const w = wallTime(instant, timezone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(instant / 60_000) * 60_000;
}

/** The instant a wall-clock time names in `timezone` (a time skipped by DST lands after the gap). */
function instantOf(w: Wall, timezone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const first = asUtc - offsetAt(asUtc, timezone);
  const second = asUtc - offsetAt(first, timezone);
  if (second === first) return first;
  const names = (instant: number) => {
    const at = wallTime(instant, timezone);
    return at.day === w.day && at.hour === w.hour && at.minute === w.minute;
  };
  if (names(second)) return second;
  if (names(first)) return first;
  return Math.max(first, second);
}

const MAX_DAYS = 366 * 5;

/** The next `count` ticks strictly after `after`, in `timezone`; fewer when the pattern rarely fires. */
export function nextRuns({ pattern, timezone, after, count }: { pattern: CronPattern; timezone: string; after: Date; count: number }): Date[] {
  const out: Date[] = [];
  const start = wallTime(after.getTime(), timezone);
  for (let offset = 0; offset < MAX_DAYS && out.length < count; offset++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
    const month = date.getUTCMonth() + 1;
    if (!pattern.months.has(month)) continue;
    const dayMatch = pattern.days.has(date.getUTCDate());
    const weekdayMatch = pattern.weekdays.has(date.getUTCDay());
    const matches = pattern.eitherDay ? dayMatch || weekdayMatch : (pattern.anyDay || dayMatch) && (pattern.anyWeekday || weekdayMatch);
    if (!matches) continue;
    for (const hour of pattern.hours) {
      for (const minute of pattern.minutes) {
        const instant = instantOf({ year: date.getUTCFullYear(), month, day: date.getUTCDate(), hour, minute }, timezone);
        if (instant <= after.getTime()) continue;
        if (out.length > 0 && instant <= out[out.length - 1]!.getTime()) continue;
        out.push(new Date(instant));
        if (out.length === count) return out;
      }
    }
  }
  return out;
}

/** "Mon, Nov 3, 09:00" in the trigger's own zone. */
export function formatInZone(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone: timezone, weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(date);
}
