import type { JournalEvent, JournalEventData, JournalEventType, Topic } from '@weft/shared';
import type { Sequences } from './sequences';

/**
 * One physical transaction's events: kept in memory and written together just before its COMMIT,
 * so nothing reads them (fan-out, replays, `lastSeq`) before they are committed.
 */
export type Writes = {
  events: JournalEvent[];
  /** Last seq per topic. Exact while the write lock is held: the events above are not in the table yet. */
  seqs: Map<string, number>;
  /** Per topic, the latest snapshot event of each entity that no later event of that entity follows. */
  snapshots: Map<string, Map<string, JournalEvent>>;
};

export const newWrites = (): Writes => ({ events: [], seqs: new Map(), snapshots: new Map() });

/** One logical transaction (a savepoint): what to undo in its physical transaction's `Writes` if it rolls back. */
type Logical = {
  writes: Writes;
  eventsBefore: number;
  seqsBefore: Map<string, number | undefined>;
  replaced: { event: Replaceable; data: unknown; at: string }[];
};

/** A snapshot event's fields that a later snapshot of the same type overwrites (the type stays, so data still fits it). */
type Replaceable = { data: unknown; at: string };

export type AppendOptions = {
  /** The entity the event is about (e.g. an execution id). */
  entity?: string;
  /**
   * The data is the entity's whole state: an earlier snapshot of the same type, not yet committed
   * and not followed by another event about the entity on this topic, is replaced in place instead
   * of adding an event. Nobody could have seen the state in between: it never committed.
   */
  snapshot?: boolean;
};

/**
 * The events of the logical transaction being run, in its physical transaction's `Writes`: adding
 * one (a new seq, or a snapshot replaced in place) and undoing them all if the logical one throws.
 */
export function createPendingWrites({ sequences }: { sequences: Sequences }) {
  let current: Logical | null = null;

  return {
    /** The writes of the running logical transaction; null outside any. */
    writes(): Writes | null {
      return current?.writes ?? null;
    },

    /** Runs `fn` as one logical transaction over `writes`, undoing its journal writes if it throws. */
    run<T>(writes: Writes, fn: () => T): T {
      const outer = current;
      const mark: Logical = { writes, eventsBefore: writes.events.length, seqsBefore: new Map(), replaced: [] };
      current = mark;
      try {
        return fn();
      } catch (err) {
        writes.events.length = mark.eventsBefore;
        for (const [topic, seq] of mark.seqsBefore) {
          if (seq === undefined) writes.seqs.delete(topic);
          else writes.seqs.set(topic, seq);
        }
        for (const r of mark.replaced.reverse()) {
          r.event.data = r.data;
          r.event.at = r.at;
        }
        // Which snapshot is latest is no longer known: replace nothing written before this point.
        writes.snapshots.clear();
        throw err;
      } finally {
        current = outer;
      }
    },

    /** Adds an event to the running logical transaction (there must be one). */
    add<T extends JournalEventType>({
      topic,
      type,
      data,
      at,
      options,
    }: {
      topic: Topic;
      type: T;
      data: JournalEventData<T>;
      at: string;
      options: AppendOptions;
    }): JournalEvent {
      const pending = current!;
      const { writes } = pending;
      let entities = writes.snapshots.get(topic);
      if (options.entity === undefined) {
        // Not about one entity: nothing before it may change any more.
        entities?.clear();
      } else {
        const previous = entities?.get(options.entity);
        if (options.snapshot && previous && previous.type === type) {
          const replaceable: Replaceable = previous;
          pending.replaced.push({ event: replaceable, data: replaceable.data, at: replaceable.at });
          replaceable.data = data;
          replaceable.at = at;
          return previous;
        }
      }
      if (!pending.seqsBefore.has(topic)) pending.seqsBefore.set(topic, writes.seqs.get(topic));
      const seq = sequences.next(writes, topic);
      // `data` fits `type` (the signature says so); the compiler cannot follow a generic `T` into the union.
      const event = { topic, seq, type, at, data } as JournalEvent;
      writes.events.push(event);
      if (options.entity !== undefined) {
        if (!entities) {
          entities = new Map();
          writes.snapshots.set(topic, entities);
        }
        if (options.snapshot) entities.set(options.entity, event);
        else entities.delete(options.entity);
      }
      return event;
    },
  };
}

export type PendingWrites = ReturnType<typeof createPendingWrites>;
