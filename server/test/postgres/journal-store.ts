import type { JournalEvent, JournalEventType, Topic } from '@weft/shared';
import type { Db } from '../../src/db/open';
import type { PgDatabase } from '../../src/db/postgres/pg-database';
import { createEventTable } from '../../src/journal/event-table';
import { createPendingWrites, newWrites } from '../../src/journal/pending-writes';
import { createSequences } from '../../src/journal/sequences';

/**
 * The journal's storage pieces (event table, seq allocation, pending writes) over either store,
 * driven as `journal.transaction` drives them outside group commit (which is SQLite's own: WAL
 * syncs). The store contract test runs this against SQLite and PostgreSQL alike.
 */
export function createJournalStore(db: Db | PgDatabase) {
  // The event table's SQL is the same on both stores; its signature names SQLite's Database.
  const table = createEventTable(db as Db);
  const sequences = createSequences({ db, table });
  const pending = createPendingWrites({ sequences });

  function transaction<T>(fn: () => T): T {
    if (pending.writes()) return fn();
    const writes = newWrites(!db.inTransaction);
    let result: T;
    try {
      result = db
        .transaction(() => {
          if (writes.own) sequences.checkKnown();
          const value = pending.run(writes, fn);
          table.write(writes.events);
          return value;
        })
        .immediate();
    } catch (err) {
      if (!writes.own) sequences.remember(writes);
      throw err;
    }
    sequences.remember(writes);
    return result;
  }

  return {
    transaction,
    /** A logical transaction inside the running one (a savepoint): undone alone if `fn` throws. */
    savepoint<T>(fn: () => T): T {
      const writes = pending.writes();
      if (!writes) throw new Error('savepoint outside a transaction');
      return db.transaction(() => pending.run(writes, fn))();
    },
    append(topic: string, data: Record<string, unknown>): JournalEvent {
      if (!pending.writes()) return transaction(() => this.append(topic, data));
      // The store does not care which event type it is: the catalogue is checked by journal.append.
      return pending.add({ topic: topic as Topic, type: 'step.log' as JournalEventType, data: data as never, at: new Date().toISOString(), options: {} });
    },
    read: table.read,
    lastSeq: (topic: string) => pending.writes()?.seqs.get(topic) ?? table.lastSeq(topic),
  };
}
