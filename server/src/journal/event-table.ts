import type { JournalEvent, JournalEventEnvelope } from '@weft/shared';
import type { Db } from '../db/open';

/** Events per multi-row INSERT. */
const INSERT_CHUNK = 16;

/** The `events` table: what the journal writes just before a COMMIT, and reads back by topic. */
export function createEventTable(db: Db) {
  const stmts = {
    lastSeq: db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE topic = ?'),
    after: db.prepare<[string, number, number], JournalEventEnvelope & { data: string }>(
      'SELECT topic, seq, type, at, data FROM events WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
  };
  const inserts = new Map<number, ReturnType<typeof db.prepare<unknown[]>>>();

  function insertStatement(rows: number) {
    let stmt = inserts.get(rows);
    if (!stmt) {
      stmt = db.prepare<unknown[]>(
        `INSERT INTO events (topic, seq, type, at, data) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')}`,
      );
      inserts.set(rows, stmt);
    }
    return stmt;
  }

  return {
    /** Inside the physical transaction, just before COMMIT. Data appended to several topics is serialised once. */
    write(events: readonly JournalEvent[]): void {
      const json = new Map<unknown, string>();
      for (let i = 0; i < events.length; i += INSERT_CHUNK) {
        const chunk = events.slice(i, i + INSERT_CHUNK);
        const params: unknown[] = [];
        for (const e of chunk) {
          let text = json.get(e.data);
          if (text === undefined) {
            text = JSON.stringify(e.data);
            json.set(e.data, text);
          }
          params.push(e.topic, e.seq, e.type, e.at, text);
        }
        insertStatement(chunk.length).run(...params);
      }
    },

    /** Committed events of `topic` after `after`, oldest first. Rows may predate today's payload schemas: envelopes. */
    read(topic: string, after: number, limit: number): JournalEventEnvelope[] {
      return stmts.after.all(topic, after, limit).map((r) => ({ topic: r.topic, seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) }));
    },

    /** The highest seq stored for `topic` (0 for none). */
    lastSeq(topic: string): number {
      return stmts.lastSeq.get(topic)?.seq ?? 0;
    },
  };
}

export type EventTable = ReturnType<typeof createEventTable>;
