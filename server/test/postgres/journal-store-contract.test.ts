import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { executionTopic, type StepLog, type Topic } from '@weft/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock';
import { type Db, openDatabase } from '../../src/db/open';
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { createJournal, type Journal, NestedTransactionError } from '../../src/journal/journal';
import { spawnTsx, type TsxProcess } from '../helpers/tsx-process';
import { endSessionNow } from '../support/end-session';
import { usePostgres } from '../support/use-postgres';

/**
 * The journal's store contract, on SQLite and on PostgreSQL, through the real journal
 * (createJournal): append, read and lastSeq; seqs with no gap and no duplicate per topic, through
 * rolled-back transactions, failed logical transactions in a group-commit batch, and writers in
 * several processes at once.
 */

const server = usePostgres();
const closers: (() => void)[] = [];
afterAll(() => {
  for (const close of closers) close();
});

type Store = { kind: 'sqlite' | 'postgres'; target: string; db: Db };

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

/** signal[0]: 1 once the journal's transaction appended; signal[1]: 1 once this worker's write committed (or gave up). */
const OTHER_SERVER = `
const { workerData, parentPort } = require('node:worker_threads');
const { Client } = require(workerData.driver);
const signal = new Int32Array(workerData.signal);
(async () => {
  const client = new Client({ connectionString: workerData.url });
  await client.connect();
  await client.query("SET lock_timeout = '2s'");
  while (Atomics.load(signal, 0) === 0) await new Promise((r) => setTimeout(r, 5));
  try {
    const { rows } = await client.query(
      'INSERT INTO topic_heads (topic, seq) VALUES ($1, 1) ON CONFLICT (topic) DO UPDATE SET seq = topic_heads.seq + 1 RETURNING seq',
      [workerData.topic],
    );
    parentPort.postMessage('advanced to ' + rows[0].seq);
  } catch (err) {
    parentPort.postMessage(String(err && err.message || err));
  } finally {
    Atomics.store(signal, 1, 1);
    Atomics.notify(signal, 1);
    await client.end();
  }
})();
`;

const x = executionTopic('x');
const y = executionTopic('y');
const z = executionTopic('z');
/** A catalogue event (the server project's setup checks each append against its schema). */
const log = (journal: Journal, topic: string, text: string) =>
  journal.append(topic as Topic, 'step.log', {
    executionId: topic.slice('execution:'.length),
    stepId: 's',
    iterationPath: '',
    attempt: 1,
    stream: 'stdout',
    text,
  });
const texts = (journal: Journal, topic: string) => journal.read(topic, 0, 100).map((e) => (e.data as StepLog).text);
const newJournal = (store: Store) => {
  const journal = createJournal({ db: store.db, clock: systemClock });
  closers.unshift(() => journal.close());
  return journal;
};

const seqs = (store: Store, topic: string) => store.db.prepare<[string], number>('SELECT seq FROM events WHERE topic = ? ORDER BY seq').pluck().all(topic);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe.each(['sqlite', 'postgres'] as const)('journal store contract on %s', (kind) => {
  it('numbers each topic 1, 2, 3… and reads back in order after a seq', async () => {
    const store = await newStore(kind);
    const journal = newJournal(store);
    log(journal, x, 'x1');
    journal.transaction(() => {
      log(journal, x, 'x2');
      log(journal, y, 'y1');
      log(journal, x, 'x3');
      // Inside the transaction lastSeq counts what it appended.
      expect(journal.lastSeq(x)).toBe(3);
    });
    expect(journal.lastSeq(x)).toBe(3);
    expect(journal.lastSeq(y)).toBe(1);
    expect(journal.lastSeq(executionTopic('none'))).toBe(0);
    expect(journal.read(x, 1, 10).map((e) => [e.seq, (e.data as StepLog).text])).toEqual([
      [2, 'x2'],
      [3, 'x3'],
    ]);
    expect(journal.read(x, 0, 2).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('a rolled-back transaction leaves no event and no gap; a failed logical transaction in a batch undoes only itself', async () => {
    const store = await newStore(kind);
    const journal = newJournal(store);
    log(journal, x, 'x1');
    expect(() =>
      journal.transaction(() => {
        log(journal, x, 'lost');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    // Three logical transactions in one turn: one group-commit batch, the failed one a savepoint rolled back.
    journal.batched(() => log(journal, x, 'x2'));
    expect(() =>
      journal.batched(() => {
        log(journal, x, 'lost');
        log(journal, z, 'lost');
        throw new Error('inner');
      }),
    ).toThrow('inner');
    journal.batched(() => {
      log(journal, x, 'x3');
      log(journal, z, 'z1');
    });
    await journal.durable();
    expect(seqs(store, x)).toEqual([1, 2, 3]);
    expect(texts(journal, x)).toEqual(['x1', 'x2', 'x3']);
    expect(seqs(store, z)).toEqual([1]);
    expect(texts(journal, z)).toEqual(['z1']);
  });

  it('four processes appending to shared topics at once: every topic is 1..total, each writer in order', async () => {
    const store = await newStore(kind);
    if (kind === 'postgres') {
      // Deadlocks happen here (see the writer) and the journal reruns what they abort; found after
      // 20 ms instead of PostgreSQL's default second.
      store.db.exec(`ALTER DATABASE ${new URL(store.target).pathname.slice(1)} SET deadlock_timeout = '20ms'`);
    }
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
      const conflicts: string[] = [];
      let reruns = 0;
      let mostRuns = 1;
      for (const p of writers) {
        const report = JSON.parse(p.output().trim().split('\n').at(-1)!) as {
          committed: Record<string, number>;
          conflicts: string[];
          reruns: number;
          mostRuns: number;
        };
        for (const [topic, n] of Object.entries(report.committed)) totals[topic] = (totals[topic] ?? 0) + n;
        conflicts.push(...report.conflicts);
        reruns += report.reruns;
        mostRuns = Math.max(mostRuns, report.mostRuns);
      }
      // SQLite's write lock serialises whole transactions: nothing to deadlock. On PostgreSQL a
      // batch takes topic heads in mixed orders; a deadlock aborts one logical transaction, which
      // the journal reruns: no writer sees it.
      expect(conflicts).toEqual([]);
      if (kind === 'sqlite') expect(reruns).toBe(0);
      else process.stdout.write(`journal reruns after a conflict, four writers: ${reruns} (at most ${mostRuns} runs of one)\n`);
      const journal = newJournal(store);
      for (const [topic, total] of Object.entries(totals)) {
        expect(total).toBeGreaterThan(0);
        expect({ topic, seqs: seqs(store, topic) }).toEqual({ topic, seqs: upTo(total) });
        const events = journal.read(topic, 0, total + 1).map((e) => e.data as StepLog);
        expect(events.filter((d) => d.text !== 'kept')).toEqual([]);
        // Each writer's appends appear in the order it made them (a rerun appends anew, numbered later).
        for (let w = 0; w < 4; w++) {
          const order = events.filter((d) => d.stepId === `w${w}`).map((d) => d.attempt);
          expect(order).toEqual([...order].sort((a, b) => a - b));
        }
      }
      if (kind === 'postgres') {
        const heads = store.db.prepare<[], { topic: string; seq: number }>('SELECT topic, seq FROM topic_heads ORDER BY topic').all();
        expect(Object.fromEntries(heads.map((h) => [h.topic, h.seq]))).toEqual(totals);
      }
    } finally {
      for (const p of writers) await p.kill();
    }
  }, 60_000);

  it('refuses a write inside a database transaction it did not open: nothing published before (or without) its COMMIT', async () => {
    const store = await newStore(kind);
    const journal = newJournal(store);
    const heard: string[] = [];
    journal.subscribe(x, (e) => heard.push((e.data as StepLog).text));
    log(journal, x, 'x1');
    const writes = [
      () => journal.transaction(() => log(journal, x, 'in a transaction')),
      () => log(journal, x, 'a lone append'),
      () => journal.batched(() => log(journal, x, 'batched')),
    ];
    for (const write of writes) {
      let published: string[] | null = null;
      let refused: unknown = null;
      try {
        store.db.transaction(() => {
          try {
            write();
          } finally {
            // Still inside the caller's transaction: nothing of it may have reached a listener.
            published = [...heard];
          }
        })();
      } catch (err) {
        refused = err;
      }
      expect(published).toEqual(['x1']);
      expect(refused).toBeInstanceOf(NestedTransactionError);
    }
    // The caller's transaction committing anyway (it caught the refusal) commits no event either.
    store.db.transaction(() => {
      expect(() => log(journal, x, 'caught')).toThrow(/did not open/);
    })();
    expect(heard).toEqual(['x1']);
    expect(texts(journal, x)).toEqual(['x1']);
    // Numbering goes on as if nothing was tried.
    log(journal, x, 'x2');
    await journal.durable();
    expect(seqs(store, x)).toEqual([1, 2]);
    expect(heard).toEqual(['x1', 'x2']);
  });
});

describe('PostgreSQL seq allocation', () => {
  it('refuses to allocate outside a transaction, where the head would unlock before the event is written', async () => {
    const store = await newStore('postgres');
    const { createPostgresSequences } = await import('../../src/journal/sequences-postgres');
    const sequences = createPostgresSequences({ db: store.db, table: { lastSeq: () => 0 } });
    expect(() => sequences.next({ seqs: new Map() }, 'execution:x')).toThrow(/outside a transaction/);
  });

  it("holds a topic's head only while committing: another server's write to the topic does not wait for a transaction in progress", async () => {
    const store = await newStore('postgres');
    const journal = newJournal(store);
    log(journal, x, 'x1');
    // Another server, as a worker thread with its own connection: it advances x's head as a journal
    // append does, giving up after 2 s of waiting for the row's lock.
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const driver = createRequire(import.meta.url).resolve('pg');
    const other = new Worker(OTHER_SERVER, { eval: true, workerData: { driver, url: store.target, topic: x, signal: signal.buffer } });
    const outcome = new Promise<string>((resolve) => other.on('message', resolve));
    closers.unshift(() => void other.terminate());

    let waitedMs = -1;
    journal.transaction(() => {
      log(journal, x, 'x2');
      // In the middle of this transaction (this thread blocks, as a journal transaction does), the
      // other server writes to x. Before, this append had locked x's head until the COMMIT below.
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
      const started = Date.now();
      while (Atomics.load(signal, 1) === 0 && Date.now() - started < 5_000) Atomics.wait(signal, 1, 0, 10);
      waitedMs = Date.now() - started;
    });
    expect(await outcome).toBe('advanced to 2');
    expect(waitedMs).toBeLessThan(1_000);
    // This transaction took its seq at COMMIT, after the other server's.
    expect(seqs(store, x)).toEqual([1, 3]);
    expect(store.db.prepare<[string], number>('SELECT seq FROM topic_heads WHERE topic = ?').pluck().get(x)).toBe(3);
  });
});

describe('journal on PostgreSQL: a connection lost inside a group-commit batch', () => {
  it('fails the logical transaction that met it, tells its afterCommit callbacks, and the journal commits again afterwards', async () => {
    const store = await newStore('postgres');
    const admin = new PgDatabase(store.target);
    closers.push(() => admin.close());
    const journal = newJournal(store);
    log(journal, x, 'x1');
    const heard: string[] = [];
    // An earlier logical transaction of the same batch: its COMMIT will never come either.
    journal.batched(() => {
      log(journal, x, 'earlier in the batch');
      journal.afterCommit(
        () => heard.push('earlier ok'),
        () => heard.push('earlier failed'),
      );
    });
    expect(() =>
      journal.batched(() => {
        log(journal, x, 'lost');
        journal.afterCommit(
          () => heard.push('ok'),
          (err) => heard.push(`failed: ${(err as Error).message}`),
        );
        endSessionNow(store.db, admin);
        log(journal, y, 'meets the loss');
        store.db.prepare('SELECT 1').get();
      }),
    ).toThrow();
    // Told at once, not left waiting for a COMMIT that can never make it durable.
    expect(heard).toEqual(['earlier failed', expect.stringMatching(/^failed: /)]);
    await journal.durable().catch(() => undefined);
    log(journal, x, 'x2');
    await journal.durable();
    expect(texts(journal, x)).toEqual(['x1', 'x2']);
    expect(seqs(store, x)).toEqual([1, 2]);
  });
});
