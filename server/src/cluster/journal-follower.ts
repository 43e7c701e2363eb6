import type { EventBus } from '../journal/event-bus';

/** The channel the events table's trigger notifies (PostgreSQL migration 006). */
export const JOURNAL_CHANNEL = 'weft_journal';

/** A failed catch-up (the database unreachable) is tried again after this long. */
const RETRY_MS = 500;

/** `[topic, min seq, max seq]` per topic a statement wrote, as the trigger sends them; null for anything else. */
export function parseJournalNotification(payload: string): { topic: string; max: number }[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const out: { topic: string; max: number }[] = [];
  for (const item of parsed) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !Number.isSafeInteger(item[2])) return null;
    out.push({ topic: item[0], max: item[2] as number });
  }
  return out;
}

/**
 * Other servers' journal writes, to this process's topic listeners. The notifications only say
 * which topics moved and how far; the events are read from the table by seq (`EventBus.catchUp`).
 * Each notification is caught up as it arrives, not on a later turn: under load the rest of the
 * turn (other sockets' callbacks, each running synchronous statements) would hold it for tens of
 * milliseconds. A notification for seqs already given (this server's own write, or one a local
 * write's gap read brought) reads nothing.
 */
export function createJournalFollower({ bus, log }: { bus: EventBus; log: { error(obj: object, msg: string): void } }) {
  /** Highest notified seq per topic not yet caught up. */
  const due = new Map<string, number>();
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const report = (err: unknown) => log.error({ err }, 'event listener failed');

  function catchUp(topic: string, upTo: number | null): boolean {
    try {
      bus.catchUp(topic, upTo, report);
      return true;
    } catch (err) {
      log.error({ err, topic }, 'journal catch-up failed; retrying');
      return false;
    }
  }

  function flush(): void {
    if (stopped) return;
    const work = [...due];
    due.clear();
    let failed = false;
    for (const [topic, max] of work) {
      const head = bus.head(topic);
      if (head === undefined || head >= max) continue; // no listener here, or given already (our own write, or an earlier catch-up)
      // To the end, not to `max`: what committed since is given now, and its own notification
      // (already on its way) then reads nothing. Seqs are taken at COMMIT under the topic's head
      // lock, so a committed seq has every seq below it committed too.
      if (!catchUp(topic, null)) {
        failed = true;
        due.set(topic, Math.max(max, due.get(topic) ?? 0));
      }
    }
    if (failed && !stopped) {
      clearTimeout(retry);
      retry = setTimeout(flush, RETRY_MS);
      retry.unref();
    }
  }

  return {
    /** A `weft_journal` notification's payload. */
    notified(payload: string): void {
      const moved = parseJournalNotification(payload);
      if (!moved) {
        log.error({ payload: payload.slice(0, 200) }, 'unreadable journal notification ignored');
        return;
      }
      for (const { topic, max } of moved) due.set(topic, Math.max(max, due.get(topic) ?? 0));
      flush();
    },
    /** LISTEN is (again) up: whatever was committed while nobody listened is read now, for every followed topic. */
    catchUpAll(): void {
      let failed = false;
      for (const topic of bus.topics()) if (!catchUp(topic, null)) failed = true;
      if (failed && !stopped) {
        clearTimeout(retry);
        retry = setTimeout(() => this.catchUpAll(), RETRY_MS);
        retry.unref();
      }
    },
    stop(): void {
      stopped = true;
      clearTimeout(retry);
    },
  };
}

export type JournalFollower = ReturnType<typeof createJournalFollower>;
