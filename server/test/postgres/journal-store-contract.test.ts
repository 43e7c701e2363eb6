import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/db/open';
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { spawnTsx, type TsxProcess } from '../helpers/tsx-process';
import { usePostgres } from '../support/use-postgres';
import { createJournalStore } from './journal-store';

/**
 * The journal's store contract, on SQLite and on PostgreSQL: append, read and lastSeq; seqs with no
 * gap and no duplicate per topic, through rollbacks and savepoints, and under writers in several
 * processes at once.
 */

const server = usePostgres();
const closers: (() => void)[] = [];
afterAll(() => {
  for (const close of closers) close();
});

type Store = { kind: 'sqlite' | 'postgres'; target: string; db: Db | PgDatabase };

async function newStore(kind: Store['kind']): Promise<Store> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-journal-store-'));
    const db = openDatabase({ dataDir: dir });
    closers.push(() => db.close());
    return { kind, target: dir, db };
  }
  const url = await server.server().createDatabase();
  const db = new PgDatabase(url);
  migratePostgres(db);
  closers.push(() => db.close());
  return { kind, target: url, db };
}

const seqs = (store: Store, topic: string) => store.db.prepare<[string], number>('SELECT seq FROM events WHERE topic = ? ORDER BY seq').pluck().all(topic);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe.each(['sqlite', 'postgres'] as const)('journal store contract on %s', (kind) => {
  it('numbers each topic 1, 2, 3… and reads back in order after a seq', async () => {
    const store = await newStore(kind);
    const journal = createJournalStore(store.db);
    journal.append('execution:x', { n: 1 });
    journal.transaction(() => {
      journal.append('execution:x', { n: 2 });
      journal.append('execution:y', { n: 1 });
      journal.append('execution:x', { n: 3 });
      // Inside the transaction lastSeq counts what it appended.
      expect(journal.lastSeq('execution:x')).toBe(3);
    });
    expect(journal.lastSeq('execution:x')).toBe(3);
    expect(journal.lastSeq('execution:y')).toBe(1);
    expect(journal.lastSeq('execution:none')).toBe(0);
    expect(journal.read('execution:x', 1, 10).map((e) => [e.seq, e.data])).toEqual([
      [2, { n: 2 }],
      [3, { n: 3 }],
    ]);
    expect(journal.read('execution:x', 0, 2).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('a rolled-back transaction leaves no event and no gap; a failed savepoint undoes only itself', async () => {
    const store = await newStore(kind);
    const journal = createJournalStore(store.db);
    journal.append('execution:x', { n: 1 });
    expect(() =>
      journal.transaction(() => {
        journal.append('execution:x', { lost: true });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    journal.transaction(() => {
      journal.append('execution:x', { n: 2 });
      expect(() =>
        journal.savepoint(() => {
          journal.append('execution:x', { lost: true });
          journal.append('execution:z', { lost: true });
          throw new Error('inner');
        }),
      ).toThrow('inner');
      journal.append('execution:x', { n: 3 });
      journal.append('execution:z', { n: 1 });
    });
    expect(seqs(store, 'execution:x')).toEqual([1, 2, 3]);
    expect(journal.read('execution:x', 0, 10).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(seqs(store, 'execution:z')).toEqual([1]);
  });

  it('four processes appending to shared topics at once: every topic is 1..total, each writer in order', async () => {
    const store = await newStore(kind);
    const goFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'weft-go-')), 'go');
    const rounds = 60;
    const writers: TsxProcess[] = [];
    try {
      for (let w = 0; w < 4; w++) {
        writers.push(
          spawnTsx(path.join(import.meta.dirname, 'journal-writer-process.ts'), {
            cwd: path.resolve(import.meta.dirname, '../..'),
            env: {
              WEFT_TEST_STORE_KIND: kind,
              WEFT_TEST_STORE: store.target,
              WEFT_TEST_GO_FILE: goFile,
              WEFT_TEST_WRITER: String(w),
              WEFT_TEST_ROUNDS: String(rounds),
            },
          }),
        );
      }
      // All four connected before any writes, so they really overlap.
      const deadline = Date.now() + 60_000;
      while (!writers.every((p) => p.output().includes('ready\n'))) {
        if (Date.now() > deadline || writers.some((p) => p.child.exitCode !== null)) {
          throw new Error(`writers did not start:\n${writers.map((p) => p.output()).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      fs.writeFileSync(goFile, '');
      const codes = await Promise.all(writers.map((p) => p.exited));
      expect(codes, writers.map((p) => p.output()).join('\n')).toEqual([0, 0, 0, 0]);

      const totals: Record<string, number> = {};
      for (const p of writers) {
        const { committed } = JSON.parse(p.output().trim().split('\n').at(-1)!) as { committed: Record<string, number> };
        for (const [topic, n] of Object.entries(committed)) totals[topic] = (totals[topic] ?? 0) + n;
      }
      const journal = createJournalStore(store.db);
      for (const [topic, total] of Object.entries(totals)) {
        expect(total).toBeGreaterThan(0);
        expect({ topic, seqs: seqs(store, topic) }).toEqual({ topic, seqs: upTo(total) });
        const events = journal.read(topic, 0, total + 1);
        expect(events.some((e) => (e.data as { undone?: boolean }).undone)).toBe(false);
        // Each writer's rounds appear in the order it committed them.
        for (let w = 0; w < 4; w++) {
          const rounds = events
            .map((e) => e.data as { writer: number; i: number })
            .filter((d) => d.writer === w)
            .map((d) => d.i);
          expect(rounds).toEqual([...rounds].sort((a, b) => a - b));
        }
      }
      if (kind === 'postgres') {
        const heads = store.db.prepare<[], { topic: string; seq: number }>('SELECT topic, seq FROM topic_heads ORDER BY topic').all();
        expect(Object.fromEntries(heads.map((h) => [h.topic, h.seq]))).toEqual(totals);
      }
    } finally {
      for (const p of writers) await p.kill();
    }
  });
});

describe('PostgreSQL seq allocation', () => {
  it('refuses to allocate outside a transaction, where the head would unlock before the event is written', async () => {
    const store = await newStore('postgres');
    const { createPostgresSequences } = await import('../../src/journal/sequences-postgres');
    const sequences = createPostgresSequences({ db: store.db as PgDatabase });
    expect(() => sequences.next({ seqs: new Map(), own: true }, 'execution:x')).toThrow(/outside a transaction/);
  });
});
