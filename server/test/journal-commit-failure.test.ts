import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/open';
import { createStorageHealth } from '../src/db/storage-health';
import { createJournal, type Journal } from '../src/journal/journal';
import { fullDisk } from './faults/full-disk';
import { appendSynthetic } from './helpers/synthetic-events';

const clock = { now: () => new Date() };
const silent = { error() {}, info() {} };
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.reverse()) fn();
  cleanup = [];
});

/** A journal over a real database whose file cannot grow while `full()` is in force (PRAGMA max_page_count). */
function setup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-full-'));
  const db: Db = openDatabase({ dataDir, synchronous: 'FULL' });
  const errors: unknown[] = [];
  const journal: Journal = createJournal({ db, clock, onCommitError: (err) => errors.push(err) });
  cleanup.push(() => {
    journal.close();
    db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const { full, roomy } = fullDisk(db);
  const big = 'x'.repeat(20_000);
  return { db, journal, errors, full, roomy, big };
}

describe('a commit that fails (disk full) leaves the journal as the database is', () => {
  it("rejects the batch's waiters, runs its failure callbacks, and believes none of its seqs", async () => {
    const { journal, errors, full, roomy, big } = setup();
    journal.transaction(() => appendSynthetic(journal, 't', 'a', { n: 1 }));
    full();
    const ok: string[] = [];
    const failed: string[] = [];
    let threw: unknown;
    try {
      journal.batched(() => appendSynthetic(journal, 't', 'b', { big }));
    } catch (err) {
      threw = err;
    }
    // SQLite rolled the whole transaction back at the failing statement, or the COMMIT fails.
    if (!threw) {
      journal.afterCommit(
        () => ok.push('b'),
        () => failed.push('b'),
      );
      const durable = journal.durable();
      journal.commitNow();
      await expect(durable).rejects.toMatchObject({ code: 'SQLITE_FULL' });
      expect(failed).toEqual(['b']);
    } else {
      expect(threw).toMatchObject({ code: 'SQLITE_FULL' });
    }
    expect(ok).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    expect(journal.lastSeq('t')).toBe(1);
    roomy();
    // The next write takes seq 2: the rolled-back seq is not remembered as used.
    const event = journal.transaction(() => appendSynthetic(journal, 't', 'c', { n: 3 }));
    expect(event.seq).toBe(2);
    expect(journal.read('t', 0, 10).map((e) => `${e.seq}:${e.type}`)).toEqual(['1:a', '2:c']);
  });

  it('a logical transaction that fails inside an open batch takes the batch with it; the next batch commits once there is room', async () => {
    const { db, journal, full, roomy, big } = setup();
    const ok: string[] = [];
    const failed: string[] = [];
    full();
    journal.batched(() => appendSynthetic(journal, 't', 'small', { n: 1 }));
    journal.afterCommit(
      () => ok.push('first'),
      () => failed.push('first'),
    );
    const first = journal.durable();
    // A statement that needs a page fails at once, and SQLite rolls the shared transaction back.
    expect(() => journal.batched(() => db.prepare('INSERT INTO storage_probe (pad) VALUES (zeroblob(20000))').run())).toThrow(/full/);
    await expect(first).rejects.toBeTruthy();
    expect(failed).toEqual(['first']);
    roomy();
    journal.batched(() => appendSynthetic(journal, 't', 'again', { big }));
    journal.afterCommit(
      () => ok.push('second'),
      () => failed.push('second'),
    );
    await journal.durable();
    expect(ok).toEqual(['second']);
    expect(journal.read('t', 0, 10).map((e) => `${e.seq}:${e.type}`)).toEqual(['1:again']);
  });

  it('storage health: failed by a storage error, probed back to healthy once the file may grow', () => {
    const { db, full, roomy } = setup();
    const health = createStorageHealth({ db, log: silent });
    health.failed(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    expect(health.failure).toBeNull();
    full();
    expect(health.probe()).toBe(false);
    expect(health.failure).toMatchObject({ code: 'SQLITE_FULL', reason: 'the disk is full' });
    roomy();
    expect(health.probe()).toBe(true);
    expect(health.failure).toBeNull();
  });
});
