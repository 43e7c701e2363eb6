import type { JournalEvent, JournalEventType, Topic } from '@weft/shared';
import { appendCheck, setAppendCheck } from '../../src/journal/event-check';
import type { AppendOptions, Journal } from '../../src/journal/journal';

/**
 * Appends a made-up event: for tests of the journal's mechanics (seqs, batches, fan-out, frames),
 * which do not depend on what events mean. The only way around the typed `append` and the suite's
 * event check (test/setup/journal-event-check.ts); events the append itself causes are unchecked too.
 */
export function appendSynthetic(journal: Journal, topic: string, type: string, data: unknown = null, options?: AppendOptions): JournalEvent {
  const check = appendCheck;
  setAppendCheck(null);
  try {
    return journal.append(topic as Topic, type as JournalEventType, data as never, options);
  } finally {
    setAppendCheck(check);
  }
}
