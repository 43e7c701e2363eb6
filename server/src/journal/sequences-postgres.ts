import type { SqlDatabase } from '../db/store';
import type { EventTable } from './event-table';
import type { NumberedWrites, SeqScope, Sequences } from './sequences';

/**
 * Seq allocation on PostgreSQL, where several servers write at once and no lock serialises every
 * writer: each topic's last seq is a `topic_heads` row. A transaction numbers its events per topic
 * 1, 2, 3… as it appends them (`next`, in memory: no statement, no lock), and takes the real seqs
 * only as it is about to COMMIT (`assign`): one upsert per topic advances the head by the number of
 * its events and locks that row until COMMIT, so a concurrent writer to the same topic (on any
 * server) waits for a few statements, not for the whole transaction, and then reads the committed
 * head: no duplicate. A rollback undoes the advance with the events: no gap. Writers to different
 * topics do not wait for each other.
 *
 * Every transaction takes its topics' heads in one order (sorted), so two journal writes cannot
 * deadlock over heads. A deadlock over other rows is still possible; PostgreSQL then aborts one side
 * (SQLSTATE 40P01) and the journal runs that logical transaction again (journal.ts, conflict-retry.ts).
 *
 * Nothing is remembered between transactions (`checkKnown`, `remember` do nothing): the row is the truth.
 */
export function createPostgresSequences({ db, table }: { db: SqlDatabase; table: Pick<EventTable, 'lastSeq'> }): Sequences {
  const advance = db
    .prepare<[string, number, number], number>(
      'INSERT INTO topic_heads (topic, seq) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET seq = topic_heads.seq + ? RETURNING seq',
    )
    .pluck();
  return {
    checkKnown(): void {},

    next(scope: SeqScope, topic: string): number {
      // Outside a transaction the head would advance and unlock at once, before the event is written.
      if (!db.inTransaction) throw new Error(`journal seq of ${topic} allocated outside a transaction`);
      const seq = (scope.seqs.get(topic) ?? 0) + 1;
      scope.seqs.set(topic, seq);
      return seq;
    },

    assign(writes: NumberedWrites): void {
      if (writes.seqs.size === 0) return;
      const offsets = new Map<string, number>();
      for (const topic of [...writes.seqs.keys()].sort()) {
        const count = writes.seqs.get(topic)!;
        const head = advance.get(topic, count, count)!;
        offsets.set(topic, head - count);
        writes.seqs.set(topic, head);
      }
      for (const event of writes.events) event.seq += offsets.get(event.topic) ?? 0;
    },

    last(scope: SeqScope, topic: string): number | undefined {
      const count = scope.seqs.get(topic);
      // Before `assign` the numbers are the transaction's own: the committed head comes first.
      return count === undefined ? undefined : table.lastSeq(topic) + count;
    },

    remember(): void {},
  };
}
