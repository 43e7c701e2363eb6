import { assertJournalEvent, setAppendCheck } from '../../src/journal/event-check';

/** Messages of the events refused since the last `takeRefused()`. */
const refused: string[] = [];

/**
 * Makes every journal append check its event against the catalogue: a refused event throws at the
 * append (the write fails where it was made) and is remembered, in case the code under test
 * swallowed that error (test/setup/journal-event-check.ts fails the test with it).
 */
export function installJournalEventCheck(): void {
  setAppendCheck((type, data) => {
    try {
      assertJournalEvent(type, data);
    } catch (err) {
      refused.push((err as Error).message);
      throw err;
    }
  });
}

export function takeRefused(): string[] {
  return refused.splice(0);
}
