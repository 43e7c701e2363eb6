import type { JournalEvent, JournalEventEnvelope } from '@weft/shared';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createJournalFollower, parseJournalNotification } from '../../src/cluster/journal-follower';
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { EventBus, type EventOrigin } from '../../src/journal/event-bus';
import { waitUntil } from '../helpers/live-client';
import { usePostgres } from '../support/use-postgres';

/**
 * The events table's trigger (PostgreSQL migration 006) and the followed bus (journal/event-bus.ts):
 * what a statement's notification says, that a rolled-back write says nothing, and that a topic's
 * listeners get each seq once and in order whether it comes from this process or from the table.
 */

const postgres = usePostgres();
const opened: { close(): unknown }[] = [];
afterAll(async () => {
  for (const c of opened.reverse()) await c.close();
});

async function listening(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  opened.push({ close: () => client.end() });
  const payloads: string[] = [];
  client.on('notification', (m) => payloads.push(m.payload ?? ''));
  await client.query('LISTEN weft_journal');
  return payloads;
}

const insert = (db: PgDatabase, rows: { topic: string; seq: number }[]) =>
  db
    .prepare(`INSERT INTO events (topic, seq, type, at, data) VALUES ${rows.map(() => "(?, ?, 'step.log', '2026-01-01T00:00:00.000Z', '{}')").join(', ')}`)
    .run(...rows.flatMap((r) => [r.topic, r.seq]));

describe('the events trigger', () => {
  it('notifies at COMMIT, per topic the min and max seq, in payloads under 8000 bytes; a rollback notifies nobody', async () => {
    const url = await postgres.server().createDatabase();
    const db = new PgDatabase(url);
    opened.push(db);
    migratePostgres(db);
    const payloads = await listening(url);

    db.exec('BEGIN');
    insert(db, [
      { topic: 'a', seq: 1 },
      { topic: 'a', seq: 2 },
      { topic: 'b', seq: 7 },
    ]);
    insert(db, [{ topic: 'a', seq: 3 }]);
    db.exec('ROLLBACK');
    db.exec('BEGIN');
    insert(db, [
      { topic: 'a', seq: 1 },
      { topic: 'a', seq: 2 },
      { topic: 'b', seq: 7 },
    ]);
    // Nothing is told before the COMMIT.
    await new Promise((r) => setTimeout(r, 50));
    expect(payloads).toEqual([]);
    db.exec('COMMIT');
    await waitUntil(() => payloads.length === 1, 5_000, 'the notification');
    expect(parseJournalNotification(payloads[0]!)?.sort((x, y) => x.topic.localeCompare(y.topic))).toEqual([
      { topic: 'a', max: 2 },
      { topic: 'b', max: 7 },
    ]);

    // 300 topics of ~100 bytes in one statement: split, every topic told once.
    const many = Array.from({ length: 300 }, (_, i) => ({ topic: `execution:${'x'.repeat(90)}${String(i).padStart(3, '0')}`, seq: 1 }));
    insert(db, many);
    await waitUntil(() => payloads.slice(1).flatMap((p) => parseJournalNotification(p) ?? []).length === 300, 5_000, 'every topic');
    const later = payloads.slice(1);
    expect(later.length).toBeGreaterThan(1);
    for (const p of later) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(
      later
        .flatMap((p) => parseJournalNotification(p)!)
        .map((m) => m.topic)
        .sort(),
    ).toEqual(many.map((m) => m.topic).sort());
  });
});

describe('a followed event bus', () => {
  /** The table as the bus reads it: committed events by topic. */
  function table() {
    const rows: JournalEventEnvelope[] = [];
    let reads = 0;
    return {
      rows,
      get reads() {
        return reads;
      },
      add: (topic: string, seq: number) => {
        const e = { topic, seq, type: 'step.log', at: '2026-01-01T00:00:00.000Z', data: { seq } };
        rows.push(e);
        return e as unknown as JournalEvent;
      },
      committed: {
        lastSeq: (topic: string) => Math.max(0, ...rows.filter((r) => r.topic === topic).map((r) => r.seq)),
        read: (topic: string, after: number, limit: number) => {
          reads++;
          return rows
            .filter((r) => r.topic === topic && r.seq > after)
            .sort((x, y) => x.seq - y.seq)
            .slice(0, limit);
        },
      },
    };
  }
  const fail = (err: unknown) => {
    throw err;
  };

  it('starts a topic after its last committed seq, fills a gap before a local event from the table, and gives nothing twice', () => {
    const t = table();
    t.add('t', 1);
    t.add('t', 2);
    const bus = new EventBus();
    bus.follow(t.committed);
    const got: [number, EventOrigin][] = [];
    const all: number[] = [];
    bus.subscribeAll((e) => all.push(e.seq));
    bus.subscribe('t', (e, origin) => got.push([e.seq, origin]));
    expect(bus.head('t')).toBe(2);
    // Another server commits 3 and 4; this process writes 5 before their notification arrives.
    t.add('t', 3);
    t.add('t', 4);
    bus.publish(t.add('t', 5), fail);
    // The notification for 3..4 comes late: nothing left to give.
    bus.catchUp('t', 4, fail);
    t.add('t', 6);
    t.add('t', 7);
    bus.catchUp('t', 7, fail);
    bus.publish(t.add('t', 8), fail);
    expect(got).toEqual([
      [3, 'remote'],
      [4, 'remote'],
      [5, 'local'],
      [6, 'remote'],
      [7, 'remote'],
      [8, 'local'],
    ]);
    // subscribeAll: this process's writes only.
    expect(all).toEqual([5, 8]);
  });

  it('skips seqs pruned from the table, forgets a topic with no listener, and is a plain bus unfollowed', () => {
    const t = table();
    const bus = new EventBus();
    bus.follow(t.committed);
    const got: number[] = [];
    const stop = bus.subscribe('t', (e) => got.push(e.seq));
    t.add('t', 1);
    t.add('t', 5); // 2..4 pruned (or never stored)
    bus.catchUp('t', 6, fail);
    expect(got).toEqual([1, 5]);
    expect(bus.head('t')).toBe(6);
    stop();
    expect(bus.head('t')).toBeUndefined();
    const reads = t.reads;
    bus.catchUp('t', 10, fail);
    expect(t.reads).toBe(reads);

    const plain = new EventBus();
    const seen: number[] = [];
    plain.subscribe('t', (e) => seen.push(e.seq));
    plain.publish(t.add('t', 9), fail);
    plain.publish(t.add('t', 9), fail);
    expect(seen).toEqual([9, 9]);
    expect(plain.head('t')).toBeUndefined();
  });

  it('follower: a notification is caught up before it returns, one for seqs already given reads nothing, and a failed read is read again later', () => {
    const t = table();
    let failNext = false;
    const read = t.committed.read;
    t.committed.read = (topic, after, limit) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      return read(topic, after, limit);
    };
    const bus = new EventBus();
    bus.follow(t.committed);
    const errors: string[] = [];
    const follower = createJournalFollower({ bus, log: { error: (_obj, msg) => errors.push(msg) } });
    const got: [number, EventOrigin][] = [];
    bus.subscribe('t', (e, origin) => got.push([e.seq, origin]));
    t.add('t', 1);
    t.add('t', 2);
    follower.notified(JSON.stringify([['t', 1, 2]]));
    // Given in the same turn as the notification, not on a later one.
    expect(got).toEqual([
      [1, 'remote'],
      [2, 'remote'],
    ]);
    // This process wrote 3 (published at its COMMIT); its own notification, and one for a topic nobody follows here, read nothing.
    const reads = t.reads;
    bus.publish(t.add('t', 3), fail);
    follower.notified(JSON.stringify([['t', 3, 3]]));
    follower.notified(JSON.stringify([['other', 1, 1]]));
    expect(t.reads).toBe(reads);

    t.add('t', 4);
    failNext = true;
    follower.notified(JSON.stringify([['t', 4, 4]]));
    expect(errors).toEqual(['journal catch-up failed; retrying']);
    expect(bus.head('t')).toBe(3);
    // The next notification brings what the failed read left, in order.
    t.add('t', 5);
    follower.notified(JSON.stringify([['t', 5, 5]]));
    follower.stop();
    expect(got.map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5]);
    expect(got.at(-1)).toEqual([5, 'remote']);
  });
});
