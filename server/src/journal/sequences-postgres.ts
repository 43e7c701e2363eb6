import type { SqlDatabase } from '../db/store';
import type { SeqScope, Sequences } from './sequences';

/**
 * Seq allocation on PostgreSQL, where several servers write at once and no lock serialises every
 * writer: each topic's last seq is a `topic_heads` row, advanced by an upsert in the writing
 * transaction. The upsert locks that row until COMMIT, so a concurrent writer to the same topic (on
 * any server) waits and then reads the committed head: no duplicate. A rollback (of the transaction,
 * or of a logical transaction's savepoint) undoes the advance with the events: no gap. Writers to
 * different topics do not wait for each other.
 *
 * Two transactions appending to two topics in opposite orders can deadlock; PostgreSQL then aborts
 * one of them (SQLSTATE 40P01), and the journal runs that logical transaction again (journal.ts,
 * conflict-retry.ts).
 *
 * Nothing is remembered between transactions (`checkKnown`, `remember` do nothing): the row is the truth.
 */
export function createPostgresSequences({ db }: { db: SqlDatabase }): Sequences {
  const advance = db
    .prepare<[string], number>('INSERT INTO topic_heads (topic, seq) VALUES (?, 1) ON CONFLICT (topic) DO UPDATE SET seq = topic_heads.seq + 1 RETURNING seq')
    .pluck();
  return {
    checkKnown(): void {},

    next(scope: SeqScope, topic: string): number {
      // Outside a transaction the head would advance and unlock at once, before the event is written.
      if (!db.inTransaction) throw new Error(`journal seq of ${topic} allocated outside a transaction`);
      const seq = advance.get(topic)!;
      scope.seqs.set(topic, seq);
      return seq;
    },

    remember(): void {},
  };
}
