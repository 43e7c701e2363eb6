import { afterEach } from 'vitest';
import { installJournalEventCheck, takeRefused } from '../helpers/journal-event-check';

// Every event a journal writes while the server suite runs must be in JOURNAL_EVENT_DATA, its data
// parsed by that type's schema; a test that wrote one that is not fails here even if it swallowed the throw.
installJournalEventCheck();

afterEach(() => {
  const refused = takeRefused();
  if (refused.length > 0) throw new Error(`the server journaled ${refused.length} event(s) outside the journal event catalogue:\n${refused.join('\n')}`);
});
