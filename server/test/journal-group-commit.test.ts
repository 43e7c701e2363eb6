import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { executionTopic } from '@weft/shared';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asSqlite, openDatabase, type Db } from '../src/db/open';
import { createJournal, type Journal } from '../src/journal/journal';
import { holdFsync } from './helpers/hold-fsync';
import { appendSynthetic } from './helpers/synthetic-events';

// Over 400 lines on purpose: the group commit's batching, acknowledgement, fsync failure and
// snapshot cases share these journals and their cleanup, and read best next to each other.
const clock = { now: () => new Date() };
const TOPIC = executionTopic('exec_1');

let dataDirs: string[] = [];
let journals: Journal[] = [];
let connections: Db[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const j of journals) j.close();
  for (const c of connections.reverse()) if (c.open) c.close();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  dataDirs = [];
  journals = [];
  connections = [];
});

function track<T extends Db | Journal>(list: T[], item: T): T {
  list.push(item);
  return item;
}

/** A fresh data dir with a migrated database and one journal on it. */
function setup(synchronous?: 'FULL' | 'NORMAL') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-journal-'));
  dataDirs.push(dataDir);
  const db = track(connections, openDatabase({ dataDir, synchronous }));
  const journal = track(journals, createJournal({ db, clock }));
  return { dataDir, db, journal };
}

/** A plain better-sqlite3 connection on the same file: not a journal, so grouping stays on. */
function openReader(db: Db) {
  const reader = track(connections, new BetterSqlite3(db.name));
  return {
    seqs: (topic: string = TOPIC) => (reader.prepare('SELECT seq FROM events WHERE topic = ? ORDER BY seq').all(topic) as { seq: number }[]).map((r) => r.seq),
    workflowIds: () => (reader.prepare('SELECT id FROM workflows ORDER BY id').all() as { id: string }[]).map((r) => r.id),
  };
}

function insertWorkflow(db: Db, id: string) {
  db.prepare("INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES (?, 'x', 1, 'now', 'now')").run(id);
}

/** Records each event's seq for `topic`, in delivery order. */
function seqsSeen(journal: Journal, topic: string = TOPIC): number[] {
  const seen: number[] = [];
  journal.subscribe(topic, (e) => seen.push(e.seq));
  return seen;
}

/** True when the promise has already settled, i.e. it resolves without waiting for anything. */
async function settledAtOnce(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void p.then(() => (settled = true));
  await Promise.resolve();
  return settled;
}

const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('journal group commit', () => {
  it('runs every batched write of one tick in one physical transaction, invisible to readers and listeners until it commits', async () => {
    const { db, journal } = setup();
    const seen = seqsSeen(journal);

    journal.batched(() => {
      insertWorkflow(db, 'wf_a');
      appendSynthetic(journal, TOPIC, 'a', { n: 1 });
    });
    journal.batched(() => appendSynthetic(journal, TOPIC, 'b', { n: 2 }));
    journal.batched(() => {
      insertWorkflow(db, 'wf_c');
      appendSynthetic(journal, TOPIC, 'c', { n: 3 });
    });

    // One transaction is still open across all three calls. Its events are written at COMMIT:
    // not even this connection can read (and replay to a browser) an event that is not committed.
    expect(db.inTransaction).toBe(true);
    expect(journal.lastSeq(TOPIC)).toBe(0);
    expect(journal.read(TOPIC, 0, 10)).toEqual([]);
    const reader = openReader(db);
    expect(reader.seqs()).toEqual([]);
    expect(reader.workflowIds()).toEqual([]);
    expect(seen).toEqual([]);

    await journal.durable();

    expect(db.inTransaction).toBe(false);
    expect(reader.seqs()).toEqual([1, 2, 3]);
    expect(reader.workflowIds()).toEqual(['wf_a', 'wf_c']);
    expect(seen).toEqual([1, 2, 3]);
    expect(journal.read(TOPIC, 0, 10).map((e) => e.type)).toEqual(['a', 'b', 'c']);
  });

  it('rolls back only the logical transaction that threw, keeping the others and leaving no seq gap', async () => {
    const { db, journal } = setup();
    const seen = seqsSeen(journal);
    const seenOther = seqsSeen(journal, 'other');

    journal.batched(() => {
      insertWorkflow(db, 'wf_ok_1');
      appendSynthetic(journal, TOPIC, 'first', null);
    });
    expect(() =>
      journal.batched(() => {
        insertWorkflow(db, 'wf_bad');
        appendSynthetic(journal, TOPIC, 'rolled back', null);
        appendSynthetic(journal, 'other', 'rolled back', null);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    journal.batched(() => {
      insertWorkflow(db, 'wf_ok_2');
      appendSynthetic(journal, TOPIC, 'second', null);
    });
    expect(db.inTransaction).toBe(true); // the failure did not end the shared transaction

    await journal.durable();

    const reader = openReader(db);
    expect(reader.workflowIds()).toEqual(['wf_ok_1', 'wf_ok_2']);
    expect(reader.seqs()).toEqual([1, 2]);
    expect(reader.seqs('other')).toEqual([]);
    expect(journal.read(TOPIC, 0, 10).map((e) => e.type)).toEqual(['first', 'second']);
    expect(seen).toEqual([1, 2]);
    expect(seenOther).toEqual([]);

    journal.transaction(() => appendSynthetic(journal, TOPIC, 'third', null));
    expect(reader.seqs()).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
  });

  describe('afterCommit', () => {
    it('with a batch open, runs after the COMMIT and after the batch’s listeners', async () => {
      const { db, journal } = setup();
      const log: string[] = [];
      journal.subscribe(TOPIC, (e) => log.push(`event ${e.seq}`));
      const reader = openReader(db);

      journal.batched(() => appendSynthetic(journal, TOPIC, 'a', null));
      journal.afterCommit(() => log.push(`afterCommit (reader sees ${JSON.stringify(reader.seqs())})`));
      expect(log).toEqual([]);

      await journal.durable();

      expect(log).toEqual(['event 1', 'afterCommit (reader sees [1])']);
    });

    it('with nothing pending, runs at once', () => {
      const { journal } = setup();
      const ran: string[] = [];
      journal.afterCommit(() => ran.push('fresh journal'));
      expect(ran).toEqual(['fresh journal']);

      journal.transaction(() => appendSynthetic(journal, TOPIC, 'a', null)); // a plain FULL commit is durable on return
      journal.afterCommit(() => ran.push('after a plain transaction'));
      expect(ran).toEqual(['fresh journal', 'after a plain transaction']);
    });

    it('with synchronous=FULL, waits for the WAL fsync after the COMMIT, in registration order', async () => {
      const { db, journal } = setup();
      const fsyncs = holdFsync();
      const log: string[] = [];
      journal.subscribe(TOPIC, (e) => log.push(`event ${e.seq}`));
      const reader = openReader(db);

      journal.batched(() => appendSynthetic(journal, TOPIC, 'a', null));
      journal.afterCommit(() => log.push('registered while open'));
      journal.commitNow();
      journal.afterCommit(() => log.push('registered after commit 1'));
      journal.afterCommit(() => log.push('registered after commit 2'));
      const durable = journal.durable();

      // Committed (readers see it) but not acknowledged while the WAL fsync is outstanding.
      expect(reader.seqs()).toEqual([1]);
      expect(fsyncs.held).toHaveLength(1);
      expect(fs.fstatSync(fsyncs.held[0]!.fd).ino).toBe(fs.statSync(`${db.name}-wal`).ino);
      await turns();
      expect(log).toEqual([]);
      expect(await settledAtOnce(durable)).toBe(false);

      await fsyncs.release();
      expect(await settledAtOnce(durable)).toBe(true);

      expect(log).toEqual(['event 1', 'registered while open', 'registered after commit 1', 'registered after commit 2']);
    });

    it('holds a batch opened while a sync runs open until that sync returns: the turns in between join it, one COMMIT and one sync', async () => {
      const { db, journal } = setup();
      const fsyncs = holdFsync();
      const reader = openReader(db);
      const acks: string[] = [];
      journal.batched(() => appendSynthetic(journal, TOPIC, 'e1', null));
      journal.afterCommit(() => acks.push('1'));
      await turns(1);
      expect(reader.seqs()).toEqual([1]);
      expect(fsyncs.held).toHaveLength(1);
      // Three more turns of work while batch 1's sync runs: one open batch, not committed yet.
      for (const n of [2, 3, 4]) {
        journal.batched(() => appendSynthetic(journal, TOPIC, `e${n}`, null));
        journal.afterCommit(() => acks.push(String(n)));
        await turns(1);
      }
      expect(reader.seqs()).toEqual([1]);
      expect(fsyncs.held).toHaveLength(1);
      // The sync returns: batch 1 is acknowledged, then the held batch commits and starts its own sync.
      await fsyncs.release();
      expect(acks).toEqual(['1']);
      expect(reader.seqs()).toEqual([1, 2, 3, 4]);
      expect(fsyncs.held).toHaveLength(1);
      await fsyncs.release();
      expect(acks).toEqual(['1', '2', '3', '4']);
    });

    it('commits a batch held behind a sync that does not return within 20 ms, starting a second sync', async () => {
      const { db, journal } = setup();
      const fsyncs = holdFsync();
      const reader = openReader(db);
      journal.batched(() => appendSynthetic(journal, TOPIC, 'e1', null));
      await turns(1);
      journal.batched(() => appendSynthetic(journal, TOPIC, 'e2', null));
      await turns(1);
      expect(reader.seqs()).toEqual([1]);
      await new Promise((r) => setTimeout(r, 40));
      expect(reader.seqs()).toEqual([1, 2]);
      expect(fsyncs.held).toHaveLength(2);
      const durable = journal.durable();
      await fsyncs.release();
      expect(await settledAtOnce(durable)).toBe(true);
    });

    it('starts a second sync for a batch committed while one is in flight, a third waits; acknowledges in commit order', async () => {
      const { journal } = setup();
      const fsyncs = holdFsync();
      const log: string[] = [];
      journal.subscribe(TOPIC, (e) => log.push(`event ${e.seq}`));
      const commit = (n: number) => {
        journal.batched(() => appendSynthetic(journal, TOPIC, `e${n}`, null));
        journal.afterCommit(() => log.push(`batch ${n} acknowledged`));
        journal.commitNow();
      };

      commit(1);
      commit(2);
      expect(fsyncs.held).toHaveLength(2); // batch 2 did not wait for batch 1's sync
      commit(3);
      expect(fsyncs.held).toHaveLength(2); // at most two in flight: batch 3 waits for the next one
      const durable = journal.durable();

      // The second sync returns first: batch 2 is on disk, but batch 1 is not acknowledged yet, so neither is 2.
      const [first, second] = fsyncs.held.splice(0);
      await second!.run();
      expect(log).toEqual([]);
      expect(fsyncs.held).toHaveLength(1); // a slot freed: batch 3's sync started

      await first!.run();
      expect(log).toEqual(['event 1', 'batch 1 acknowledged', 'event 2', 'batch 2 acknowledged']);
      expect(await settledAtOnce(durable)).toBe(false);

      await fsyncs.release();
      expect(await settledAtOnce(durable)).toBe(true);
      expect(log.slice(4)).toEqual(['event 3', 'batch 3 acknowledged']);
    });
  });

  describe('afterCommitted', () => {
    it('runs at the batch’s COMMIT, before its WAL sync returns, and ahead of the batch’s afterCommit', async () => {
      const { db, journal } = setup();
      const fsyncs = holdFsync();
      const reader = openReader(db);
      const log: string[] = [];
      journal.batched(() => {
        appendSynthetic(journal, TOPIC, 'a', null);
        journal.afterCommitted(() => log.push(`committed (reader sees ${JSON.stringify(reader.seqs())})`));
        journal.afterCommit(() => log.push('durable'));
      });
      expect(log).toEqual([]); // still open: not committed
      await turns(1);
      expect(fsyncs.held).toHaveLength(1);
      expect(log).toEqual(['committed (reader sees [1])']);
      await fsyncs.release();
      expect(log).toEqual(['committed (reader sees [1])', 'durable']);
    });

    it('is dropped with a logical transaction that throws, and hears `failed` when the batch is rolled back', async () => {
      const { db, journal } = setup();
      holdFsync();
      const log: string[] = [];
      expect(() =>
        journal.batched(() => {
          journal.afterCommitted(
            () => log.push('ok: threw'),
            () => log.push('failed: threw'),
          );
          throw new Error('no');
        }),
      ).toThrow('no');
      journal.batched(() => {
        appendSynthetic(journal, TOPIC, 'a', null);
        journal.afterCommitted(
          () => log.push('ok: lost'),
          (err) => log.push(`failed: ${(err as Error).message}`),
        );
      });
      // SQLite rolls the shared transaction back on its own (as on an I/O error): the batch is lost.
      asSqlite(db, 'test').prepare('ROLLBACK').run();
      journal.batched(() => appendSynthetic(journal, TOPIC, 'b', null));
      await turns(2);
      expect(log).toEqual(['failed: threw', 'failed: the group-commit transaction was rolled back by SQLite']);
    });

    it('with no batch open, runs at once: what was written is committed', () => {
      const { journal } = setup();
      const ran: string[] = [];
      journal.transaction(() => appendSynthetic(journal, TOPIC, 'plain', null));
      journal.afterCommitted(() => ran.push('now'));
      expect(ran).toEqual(['now']);
    });
  });

  it('acknowledges a plain transaction committed while a batch waits for its fsync after that batch, so listeners see seqs in order', async () => {
    const { journal } = setup();
    const fsyncs = holdFsync();
    const seen = seqsSeen(journal);
    const acks: string[] = [];

    journal.batched(() => {
      appendSynthetic(journal, TOPIC, 'a', null);
      appendSynthetic(journal, TOPIC, 'b', null);
    });
    journal.afterCommit(() => acks.push('batch'));
    journal.commitNow();
    expect(seen).toEqual([]);

    // Committed, but queued behind the batch: its listeners must not see seq 3 before 1 and 2.
    journal.transaction(() => appendSynthetic(journal, TOPIC, 'c', null));
    journal.afterCommit(() => acks.push('plain'));
    expect(seen).toEqual([]);
    expect(await settledAtOnce(journal.durable())).toBe(false);

    await fsyncs.release();
    await turns();
    expect(seen).toEqual([1, 2, 3]);
    expect(acks).toEqual(['batch', 'plain']);
    expect(await settledAtOnce(journal.durable())).toBe(true);
  });

  it('with synchronous=NORMAL, still groups writes but acknowledges at the COMMIT without an fsync', async () => {
    const { db, journal } = setup('NORMAL'); // NORMAL is the level under test: WEFT_SYNCHRONOUS=NORMAL is a supported setting
    const fsync = vi.spyOn(fs, 'fdatasync');
    const log: string[] = [];
    journal.subscribe(TOPIC, (e) => log.push(`event ${e.seq}`));

    journal.batched(() => appendSynthetic(journal, TOPIC, 'a', null));
    journal.afterCommit(() => log.push('afterCommit'));
    const durable = journal.durable();
    expect(db.inTransaction).toBe(true);
    expect(log).toEqual([]);

    journal.commitNow();

    expect(log).toEqual(['event 1', 'afterCommit']);
    expect(await settledAtOnce(durable)).toBe(true);
    expect(await settledAtOnce(journal.durable())).toBe(true);
    journal.afterCommit(() => log.push('at once'));
    expect(log).toEqual(['event 1', 'afterCommit', 'at once']);
    expect(fsync).not.toHaveBeenCalled();
  });

  describe('synchronous level', () => {
    const level = (db: Db) => asSqlite(db, 'synchronous').pragma('synchronous', { simple: true });

    it('createJournal leaves the connection’s synchronous level as it found it', () => {
      expect(level(setup('NORMAL').db)).toBe(1); // both supported levels, NORMAL included
      expect(level(setup('FULL').db)).toBe(2);
    });

    it('with synchronous=FULL, a batch commits at NORMAL (no fsync on the event loop) and FULL is restored after', async () => {
      const { db, journal } = setup();
      journal.batched(() => appendSynthetic(journal, TOPIC, 'a', null));
      expect(level(db)).toBe(1);
      await journal.durable();
      expect(level(db)).toBe(2);
    });
  });

  it('turns grouping off while two journals share a database file, committing the first one’s open batch', () => {
    const { dataDir, db, journal } = setup();
    const otherDb = track(connections, openDatabase({ dataDir })); // a second connection, opened (and migrated) up front
    const reader = openReader(db);

    journal.batched(() => appendSynthetic(journal, TOPIC, 'a', null));
    expect(reader.seqs()).toEqual([]);

    const other = track(journals, createJournal({ db: otherDb, clock }));
    expect(db.inTransaction).toBe(false);
    expect(reader.seqs()).toEqual([1]);

    journal.batched(() => appendSynthetic(journal, TOPIC, 'b', null));
    expect(db.inTransaction).toBe(false);
    expect(reader.seqs()).toEqual([1, 2]);

    other.batched(() => appendSynthetic(other, TOPIC, 'c', null));
    expect(otherDb.inTransaction).toBe(false);
    expect(reader.seqs()).toEqual([1, 2, 3]);

    // Alone on its file again: grouping is back on. The seq it remembers for the topic (2) is
    // stale after the other connection's commit, and must not be used.
    other.close();
    journal.batched(() => appendSynthetic(journal, TOPIC, 'd', null));
    expect(db.inTransaction).toBe(true);
    expect(reader.seqs()).toEqual([1, 2, 3]);
    journal.commitNow();
    expect(reader.seqs()).toEqual([1, 2, 3, 4]);
  });

  it('remembers a topic’s last seq between its own commits, and forgets it when another connection commits', () => {
    const { dataDir, db, journal } = setup();
    const reader = openReader(db);
    for (const type of ['a', 'b', 'c']) {
      journal.batched(() => appendSynthetic(journal, TOPIC, type, null));
      journal.commitNow();
    }
    // A writer that is not a journal: plain SQL on another connection.
    const raw = track(connections, new BetterSqlite3(path.join(dataDir, 'weft.db')));
    raw.prepare("INSERT INTO events (topic, seq, type, at, data) VALUES (?, 4, 'raw', 'now', 'null')").run(TOPIC);
    journal.batched(() => appendSynthetic(journal, TOPIC, 'e', null));
    journal.commitNow();
    expect(reader.seqs()).toEqual([1, 2, 3, 4, 5]);
  });

  describe('onAppend', () => {
    it('is called as the event is written, inside its transaction, before any listener', () => {
      const { db, journal } = setup();
      const log: string[] = [];
      journal.onAppend(TOPIC, (e) => log.push(`hook ${e.seq} in transaction: ${db.inTransaction}`));
      journal.subscribe(TOPIC, (e) => log.push(`listener ${e.seq}`));
      journal.transaction(() => appendSynthetic(journal, TOPIC, 'a', null));
      expect(log).toEqual(['hook 1 in transaction: true', 'listener 1']);
    });

    it('lets work registered with beforeCommit join the batch that wrote the event', async () => {
      const { db, journal } = setup();
      const fsyncs = holdFsync();
      journal.onAppend(TOPIC, (e) => {
        if ((e.type as string) === 'queued') journal.beforeCommit(() => journal.batched(() => appendSynthetic(journal, TOPIC, 'granted', null)));
      });
      const seen = seqsSeen(journal);
      journal.batched(() => appendSynthetic(journal, TOPIC, 'queued', null));
      journal.commitNow();
      expect(openReader(db).seqs()).toEqual([1, 2]); // both in the one COMMIT
      expect(fsyncs.held).toHaveLength(1); // and one sync for both
      await fsyncs.release();
      expect(seen).toEqual([1, 2]);
    });
  });

  describe('durable and close', () => {
    it('durable() resolves at once when nothing is pending', async () => {
      const { journal } = setup();
      expect(await settledAtOnce(journal.durable())).toBe(true);

      journal.transaction(() => appendSynthetic(journal, TOPIC, 'a', null));
      expect(await settledAtOnce(journal.durable())).toBe(true);

      journal.batched(() => appendSynthetic(journal, TOPIC, 'b', null));
      await journal.durable();
      expect(await settledAtOnce(journal.durable())).toBe(true);
    });

    it('close() commits an open batch, syncs the WAL and acknowledges it', async () => {
      const { db, journal } = setup();
      holdFsync(); // the async fsync never returns: close must not rely on it
      const realFsyncSync = fs.fdatasyncSync;
      const log: string[] = [];
      vi.spyOn(fs, 'fdatasyncSync').mockImplementation((fd) => {
        log.push('fsyncSync');
        realFsyncSync(fd);
      });
      journal.subscribe(TOPIC, (e) => log.push(`event ${e.seq}`));

      journal.batched(() => appendSynthetic(journal, TOPIC, 'a', null));
      journal.afterCommit(() => log.push('afterCommit'));
      const durable = journal.durable();

      journal.close();

      expect(log).toEqual(['fsyncSync', 'event 1', 'afterCommit']);
      expect(db.inTransaction).toBe(false);
      expect(openReader(db).seqs()).toEqual([1]);
      await expect(durable).resolves.toBeUndefined();
    });
  });

  describe('snapshots', () => {
    type Seen = { seq: number; type: string; data: unknown };
    const events = (journal: Journal, topic: string = TOPIC) => {
      const seen: Seen[] = [];
      journal.subscribe(topic, (e) => seen.push({ seq: e.seq, type: e.type, data: e.data }));
      return seen;
    };
    const snapshot = (journal: Journal, entity: string, status: string, topic: string = TOPIC) =>
      appendSynthetic(journal, topic, 'execution.updated', { id: entity, status }, { entity, snapshot: true });

    it('replaces an uncommitted snapshot of the same entity in place: one event, its first seq, the latest data', async () => {
      const { db, journal } = setup();
      const seen = events(journal);
      journal.batched(() => snapshot(journal, 'ex_a', 'queued'));
      journal.batched(() => snapshot(journal, 'ex_a', 'running'));
      await journal.durable();

      expect(seen).toEqual([{ seq: 1, type: 'execution.updated', data: { id: 'ex_a', status: 'running' } }]);
      expect(openReader(db).seqs()).toEqual([1]);
      expect(journal.read(TOPIC, 0, 10).map((e) => e.data)).toEqual([{ id: 'ex_a', status: 'running' }]);
    });

    it('keeps both when another event about the entity came between, or when the first one is committed', async () => {
      const { journal } = setup();
      const seen = events(journal);
      journal.batched(() => {
        snapshot(journal, 'ex_a', 'running');
        appendSynthetic(journal, TOPIC, 'step.updated', { stepId: 's1' }, { entity: 'ex_a' });
        snapshot(journal, 'ex_a', 'succeeded');
      });
      await journal.durable();
      journal.batched(() => snapshot(journal, 'ex_a', 'canceled'));
      await journal.durable();

      expect(seen.map((e) => `${e.seq} ${e.type} ${(e.data as { status?: string }).status ?? ''}`.trim())).toEqual([
        '1 execution.updated running',
        '2 step.updated',
        '3 execution.updated succeeded',
        '4 execution.updated canceled',
      ]);
    });

    it('replaces across events about other entities, but not across an event about no entity', async () => {
      const { journal } = setup();
      const seen = events(journal, 'executions');
      journal.batched(() => {
        snapshot(journal, 'ex_a', 'queued', 'executions');
        snapshot(journal, 'ex_b', 'queued', 'executions');
        snapshot(journal, 'ex_a', 'running', 'executions');
        appendSynthetic(journal, 'executions', 'executions.pruned', { before: 'x' });
        snapshot(journal, 'ex_b', 'running', 'executions');
      });
      await journal.durable();

      expect(seen.map((e) => `${e.seq} ${JSON.stringify(e.data)}`)).toEqual([
        '1 {"id":"ex_a","status":"running"}',
        '2 {"id":"ex_b","status":"queued"}',
        '3 {"before":"x"}',
        '4 {"id":"ex_b","status":"running"}',
      ]);
    });

    it('puts the replaced data back when the logical transaction that replaced it rolls back', async () => {
      const { db, journal } = setup();
      const seen = events(journal);
      journal.batched(() => snapshot(journal, 'ex_a', 'queued'));
      expect(() =>
        journal.batched(() => {
          snapshot(journal, 'ex_a', 'running');
          appendSynthetic(journal, TOPIC, 'other', null);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      journal.batched(() => appendSynthetic(journal, TOPIC, 'after', null));
      await journal.durable();

      expect(seen.map((e) => `${e.seq} ${e.type} ${JSON.stringify(e.data)}`)).toEqual(['1 execution.updated {"id":"ex_a","status":"queued"}', '2 after null']);
      expect(openReader(db).seqs()).toEqual([1, 2]);
    });

    it('writes many events of one batch together, each data object serialised once even when appended to several topics', async () => {
      const { db, journal } = setup();
      const stringify = vi.spyOn(JSON, 'stringify');
      const shared = { big: 'x'.repeat(100) };
      journal.batched(() => {
        for (let i = 0; i < 40; i++) appendSynthetic(journal, `t${i % 3}`, 'e', i);
        appendSynthetic(journal, 'a', 'shared', shared);
        appendSynthetic(journal, 'b', 'shared', shared);
      });
      await journal.durable();

      expect(stringify.mock.calls.filter(([value]) => value === shared)).toHaveLength(1);
      const reader = openReader(db);
      expect(reader.seqs('t0')).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
      expect(reader.seqs('t2')).toHaveLength(13);
      expect(journal.read('b', 0, 1)[0]!.data).toEqual(shared);
    });
  });
});
