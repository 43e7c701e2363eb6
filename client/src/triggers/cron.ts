import { Cron } from 'croner';
import cronstrue from 'cronstrue';

/**
 * Cron in the browser: the words (cronstrue, as the server's descriptions) and the next few ticks
 * (croner, as the server's scheduler). The server still checks every cron and computes the
 * authoritative `nextRunAt`.
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

/**
 * The next `count` ticks strictly after `after`, in `timezone`, by croner, the library the server
 * schedules with (same syntax, same DST rules); null when croner cannot read the expression.
 */
export function nextRuns({ cron, timezone, after, count }: { cron: string; timezone: string; after: Date; count: number }): Date[] | null {
  try {
    return new Cron(cron.trim(), { timezone, paused: true }).nextRuns(count, after);
  } catch {
    return null;
  }
}

/** "Mon, Nov 3, 09:00" in the trigger's own zone. */
export function formatInZone(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: timezone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
}
