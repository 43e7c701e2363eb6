import type { Db } from '../db/open';
import { storeKind } from '../db/store';
import type { EventTable } from './event-table';
import { createPostgresSequences } from './sequences-postgres';

/** Topics whose last committed seq is remembered between transactions (all forgotten past this). */
const KNOWN_TOPICS = 10_000;

/** What seq allocation needs of one physical transaction's writes (see `Writes`). */
export type SeqScope = {
  /** Last seq per topic. Exact while the write lock is held: the transaction's events are not in the table yet. */
  seqs: Map<string, number>;
};

/** A transaction's numbering and the events it numbered, as `assign` takes them just before COMMIT. */
export type NumberedWrites = SeqScope & { events: { topic: string; seq: number }[] };

/**
 * Seq allocation: each topic's events are numbered 1, 2, 3… under the write lock (IMMEDIATE
 * transactions, so two processes cannot both take the same seq).
 *
 * The last committed seq per topic is remembered as this connection wrote it, so a busy topic is
 * not looked up in every transaction. It is trusted only while no other connection committed since
 * (PRAGMA data_version, read once the write lock is held); otherwise it is forgotten.
 */
function createSqliteSequences({ db, table }: { db: Db; table: EventTable }) {
  const dataVersion = db.prepare<[], { data_version: number }>('PRAGMA data_version');
  const known = new Map<string, number>();
  let knownVersion: number | null = null;

  return {
    /** Once the write lock is held, before the transaction allocates: forgets seqs another connection may have moved. */
    checkKnown(): void {
      const version = dataVersion.get()!.data_version;
      if (version !== knownVersion) known.clear();
      knownVersion = version;
    },

    /** Allocates the next seq of `topic` in `scope`. */
    next(scope: SeqScope, topic: string): number {
      const seq = (scope.seqs.get(topic) ?? known.get(topic) ?? table.lastSeq(topic)) + 1;
      scope.seqs.set(topic, seq);
      return seq;
    },

    /**
     * Just before the events are written and the transaction commits: nothing to do here, the write
     * lock made every seq final as it was taken (PostgreSQL's take theirs now).
     */
    assign(_writes: NumberedWrites): void {},

    /** The last seq `scope` gave `topic` (undefined: it appended nothing there). */
    last(scope: SeqScope, topic: string): number | undefined {
      return scope.seqs.get(topic);
    },

    /** After the physical transaction ended: its seqs are the topics' last committed ones. */
    remember(scope: SeqScope): void {
      if (known.size + scope.seqs.size > KNOWN_TOPICS) known.clear();
      for (const [topic, seq] of scope.seqs) known.set(topic, seq);
    },
  };
}

export type Sequences = ReturnType<typeof createSqliteSequences>;

/**
 * Seq allocation for the journal's store: SQLite's (above: the IMMEDIATE write lock serialises
 * writers) or PostgreSQL's (sequences-postgres.ts: a per-topic head row locked until COMMIT).
 */
export function createSequences({ db, table }: { db: Db; table: EventTable }): Sequences {
  const kind = storeKind(db);
  switch (kind) {
    case 'sqlite':
      return createSqliteSequences({ db, table });
    case 'postgres':
      return createPostgresSequences({ db, table });
    default: {
      const never: never = kind;
      throw new Error(`unknown store kind ${String(never)}`);
    }
  }
}
