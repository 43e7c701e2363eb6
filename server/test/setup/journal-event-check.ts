import { afterEach } from 'vitest';
import { assertJournalEvent, setAppendCheck } from '../../src/journal/event-check';

/**
 * Every event a journal writes while the server suite runs must be in JOURNAL_EVENT_DATA and its
 * data must parse with that type's schema. The check throws at the append (the write fails where
 * it was made) and, in case the code under test swallowed that error, fails the test afterwards.
 */
const refused: string[] = [];

setAppendCheck((type, data) => {
  try {
    assertJournalEvent(type, data);
  } catch (err) {
    refused.push((err as Error).message);
    throw err;
  }
});

afterEach(() => {
  if (refused.length === 0) return;
  const messages = refused.splice(0);
  throw new Error(`the server journaled ${messages.length} event(s) outside the journal event catalogue:\n${messages.join('\n')}`);
});
