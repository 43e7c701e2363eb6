import type { JournalEvent } from '@weft/shared';
import type { Db } from '../db/open';
import type { Clock } from '../workflows/workflows-service';
import { EventBus } from './event-bus';

type Pending = JournalEvent[];

/**
 * The append-only journal. State changes are written with their events in one transaction
 * (`journal.transaction`), and fan-out reads only what was committed: listeners run after COMMIT.
 */
export function createJournal({ db, clock, onListenerError }: { db: Db; clock: Clock; onListenerError?: (err: unknown) => void }) {
  const bus = new EventBus();
  const stmts = {
    lastSeq: db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE topic = ?'),
    insert: db.prepare('INSERT INTO events (topic, seq, type, at, data) VALUES (?, ?, ?, ?, ?)'),
    after: db.prepare<[string, number, number], { topic: string; seq: number; type: string; at: string; data: string }>(
      'SELECT topic, seq, type, at, data FROM events WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
  };
  let pending: Pending | null = null;
  const report = onListenerError ?? (() => {});

  const flush = (events: Pending) => {
    for (const e of events) bus.publish(e, report);
  };

  function append(topic: string, type: string, data: unknown): JournalEvent {
    if (!pending) {
      // A lone append is its own transaction.
      let event!: JournalEvent;
      transaction(() => {
        event = append(topic, type, data);
      });
      return event;
    }
    const seq = (stmts.lastSeq.get(topic)?.seq ?? 0) + 1;
    const at = clock.now().toISOString();
    stmts.insert.run(topic, seq, type, at, JSON.stringify(data ?? null));
    const event: JournalEvent = { topic, seq, type, at, data: data ?? null };
    pending.push(event);
    return event;
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction (writers serialise up front, so two processes on one
   * database cannot both allocate the same seq). Nested calls join the outer transaction.
   */
  function transaction<T>(fn: () => T): T {
    if (pending) return fn();
    const events: Pending = [];
    pending = events;
    let result: T;
    try {
      result = db.transaction(fn).immediate();
    } finally {
      pending = null;
    }
    flush(events);
    return result;
  }

  function read(topic: string, after: number, limit: number): JournalEvent[] {
    return stmts.after.all(topic, after, limit).map((r) => ({ topic: r.topic, seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) }));
  }

  return {
    append,
    transaction,
    read,
    lastSeq: (topic: string): number => stmts.lastSeq.get(topic)?.seq ?? 0,
    subscribe: bus.subscribe.bind(bus),
    subscribeAll: bus.subscribeAll.bind(bus),
    bus,
  };
}

export type Journal = ReturnType<typeof createJournal>;
