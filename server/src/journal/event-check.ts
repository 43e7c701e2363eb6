import { JOURNAL_EVENT_DATA, isJournalEventType } from '@weft/shared';

/**
 * Throws unless `type` is a journal event type and `data` parses with its payload schema. For
 * tests only: the server never parses what it appends (that is what the types are for).
 */
export function assertJournalEvent(type: string, data: unknown): void {
  if (!isJournalEventType(type)) throw new Error(`journal event type ${JSON.stringify(type)} is not in JOURNAL_EVENT_DATA (shared/src/protocol/events.ts)`);
  const parsed = JOURNAL_EVENT_DATA[type].safeParse(data);
  if (!parsed.success) throw new Error(`journal event ${type} has data its schema refuses: ${parsed.error.message}`);
}

/**
 * Called with every event a journal writes while set. The server test suite sets it
 * (test/setup/journal-event-check.ts); production never does, so the append path only reads a null.
 */
export let appendCheck: ((type: string, data: unknown) => void) | null = null;

export function setAppendCheck(check: typeof appendCheck): void {
  appendCheck = check;
}
