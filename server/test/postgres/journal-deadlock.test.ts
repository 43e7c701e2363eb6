import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { executionTopic, type StepLog, type Topic } from '@weft/shared';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock';
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { isStorageError } from '../../src/db/storage-errors';
import { createStorageHealth } from '../../src/db/storage-health';
import { installErrorHandlers } from '../../src/http/errors';
import { MAX_RUNS } from '../../src/journal/conflict-retry';
import { createJournal, type Journal } from '../../src/journal/journal';
import { usePostgres } from '../support/use-postgres';

/**
 * A real deadlock between two connections, met by a journal transaction: PostgreSQL aborts the
 * journal's side (40P01) and the journal runs it again, in a group-commit batch (after committing
 * the batch) and as a plain transaction; past MAX_RUNS the conflict reaches the caller as a
 * storage error (503), never a 500.
 *
 * The journal itself takes topic heads only at COMMIT, in one order (sequences-postgres.ts), so
 * its `fn` locks rows of its own here, as a workflow's writes might: the heads of x and y, FOR
 * UPDATE. The other connection (a worker thread, `PARTNER`) locks y's head, then waits for the
 * journal's `fn` to hold x's head and asks for it; the journal's `fn`, once the partner waits, asks for
 * y's. Both wait for each other: a deadlock. The journal's session finds it first (deadlock_timeout
 * 20 ms against the partner's 10 s), so the journal's side is the one aborted.
 */

const server = usePostgres();
const closers: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** signal[0]: the partner's round that holds y; signal[1]: the journal's round that holds x; signal[2]: 1 done, -1 failed. */
const PARTNER = `
const { workerData, parentPort } = require('node:worker_threads');
const { Client } = require(workerData.driver);
const signal = new Int32Array(workerData.signal);
const lockHead = 'SELECT seq FROM topic_heads WHERE topic = $1 FOR UPDATE';
(async () => {
  const client = new Client({ connectionString: workerData.url });
  await client.connect();
  await client.query("SET deadlock_timeout = '10s'");
  for (let round = 1; round <= workerData.rounds; round++) {
    await client.query('BEGIN');
    await client.query(lockHead, [workerData.second]);
    Atomics.store(signal, 0, round);
    Atomics.notify(signal, 0);
    for (let seen = Atomics.load(signal, 1); seen < round; seen = Atomics.load(signal, 1)) Atomics.wait(signal, 1, seen, 100);
    // Waits until the journal's run is aborted and its lock on x released.
    await client.query(lockHead, [workerData.first]);
    await client.query('COMMIT');
  }
  await client.end();
  Atomics.store(signal, 2, 1);
})().catch((err) => {
  parentPort.postMessage(String(err && err.stack || err));
  Atomics.store(signal, 2, -1);
});
`;

const x = executionTopic('x');
const y = executionTopic('y');
const z = executionTopic('z');
const log = (journal: Journal, topic: Topic, text: string) =>
  journal.append(topic, 'step.log', { executionId: topic.slice('execution:'.length), stepId: 's', iterationPath: '', attempt: 1, stream: 'stdout', text });
const texts = (journal: Journal, topic: Topic) => journal.read(topic, 0, 100).map((e) => `${e.seq}:${(e.data as StepLog).text}`);

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread (as the journal's transaction does) until `done()`, or fails after 10 s. */
function blockUntil(what: string, done: () => boolean): void {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    Atomics.wait(pause, 0, 0, 2);
  }
}

async function setup(rounds: number) {
  const url = await server.server().createDatabase();
  const db = new PgDatabase(url);
  migratePostgres(db);
  // This session finds the deadlock (and is aborted) long before the partner's would.
  db.exec("SET deadlock_timeout = '20ms'");
  const reruns: { code: unknown; runs: number }[] = [];
  const journal = createJournal({ db, clock: systemClock, onRerun: (err, runs) => reruns.push({ code: (err as { code?: unknown }).code, runs }) });
  closers.push(() => {
    journal.close();
    db.close();
  });
  // Both heads exist (seq 1), so the partner can lock them.
  journal.transaction(() => {
    log(journal, x, 'x0');
    log(journal, y, 'y0');
  });

  const signal = new Int32Array(new SharedArrayBuffer(12));
  const errors: string[] = [];
  const driver = createRequire(import.meta.url).resolve('pg');
  const worker = new Worker(PARTNER, { eval: true, workerData: { driver, url, rounds, first: x, second: y, signal: signal.buffer } });
  worker.on('message', (m) => errors.push(String(m)));
  worker.on('error', (err) => errors.push(String(err)));
  closers.push(() => worker.terminate().then(() => undefined));
  const waiting = db.prepare<[], number>("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')").pluck();

  const lockHeadHere = db.prepare<[string], number>('SELECT seq FROM topic_heads WHERE topic = ? FOR UPDATE').pluck();
  return {
    db,
    journal,
    reruns,
    /** Locks `topic`'s head row until the transaction ends, as `fn`'s own write would. */
    lock(topic: Topic): void {
      lockHeadHere.get(topic);
    },
    /**
     * Inside the journal's `fn`, holding x's head: lets the partner's `round` (holding y's head)
     * ask for x, and returns once it waits for it. Asking for y next deadlocks.
     */
    meetPartner(round: number): void {
      blockUntil(`the partner to hold y (round ${round}): ${errors.join('; ')}`, () => Atomics.load(signal, 0) >= round || Atomics.load(signal, 2) === -1);
      Atomics.store(signal, 1, round);
      Atomics.notify(signal, 1);
      blockUntil(`the partner to wait for x (round ${round})`, () => waiting.get()! > 0);
    },
    /** Resolves when the partner ran all its rounds and committed each. */
    async partnerDone(): Promise<void> {
      while (Atomics.load(signal, 2) === 0) await new Promise((r) => setTimeout(r, 5));
      expect(errors).toEqual([]);
      expect(Atomics.load(signal, 2)).toBe(1);
    },
  };
}

describe('the journal reruns a logical transaction PostgreSQL aborted for a deadlock', () => {
  it('in a group-commit batch: the savepoint is rolled back, the batch commits at once, fn runs again alone', async () => {
    const { db, journal, reruns, meetPartner, partnerDone, lock } = await setup(1);
    const acks: string[] = [];
    // An earlier logical transaction of the same batch (it holds z's head until the batch commits).
    journal.batched(() => log(journal, z, 'earlier'));
    let runs = 0;
    const value = journal.batched(() => {
      const run = ++runs;
      lock(x);
      log(journal, x, `x run ${run}`);
      // Belongs to this run: the aborted run's is dropped, unheard.
      journal.afterCommit(
        () => acks.push(`ok ${run}`),
        () => acks.push(`failed ${run}`),
      );
      if (run === 1) meetPartner(1);
      lock(y);
      log(journal, y, `y run ${run}`);
      return `value of run ${run}`;
    });
    expect(value).toBe('value of run 2');
    expect(reruns).toEqual([{ code: '40P01', runs: 1 }]);
    // The batch committed before the rerun (no setImmediate has run): the rerun was a plain transaction.
    expect(db.inTransaction).toBe(false);
    expect(texts(journal, z)).toEqual(['1:earlier']);
    await journal.durable();
    expect(acks).toEqual(['ok 2']);
    // Seqs gap-free: the aborted run's advances were rolled back with its savepoint.
    expect(texts(journal, x)).toEqual(['1:x0', '2:x run 2']);
    expect(texts(journal, y)).toEqual(['1:y0', '2:y run 2']);
    await partnerDone();
  });

  it('a plain transaction likewise', async () => {
    const { journal, reruns, meetPartner, partnerDone, lock } = await setup(1);
    let runs = 0;
    const value = journal.transaction(() => {
      const run = ++runs;
      lock(x);
      log(journal, x, `x run ${run}`);
      if (run === 1) meetPartner(1);
      lock(y);
      log(journal, y, `y run ${run}`);
      return run;
    });
    expect(value).toBe(2);
    expect(reruns).toEqual([{ code: '40P01', runs: 1 }]);
    expect(texts(journal, x)).toEqual(['1:x0', '2:x run 2']);
    expect(texts(journal, y)).toEqual(['1:y0', '2:y run 2']);
    await partnerDone();
  });

  it(`bounded: deadlocked on each of its ${MAX_RUNS} runs, the conflict reaches the caller as a storage error, and nothing of it is stored`, async () => {
    const { db, journal, reruns, meetPartner, partnerDone, lock } = await setup(MAX_RUNS);
    const acks: string[] = [];
    let runs = 0;
    let thrown: unknown;
    try {
      journal.batched(() => {
        const run = ++runs;
        lock(x);
        log(journal, x, `x run ${run}`);
        journal.afterCommit(
          () => acks.push(`ok ${run}`),
          () => acks.push(`failed ${run}`),
        );
        meetPartner(run);
        lock(y);
        log(journal, y, `y run ${run}`);
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ name: 'PgQueryError', code: '40P01' });
    expect(runs).toBe(MAX_RUNS);
    expect(reruns.map((r) => r.runs)).toEqual(Array.from({ length: MAX_RUNS - 1 }, (_, i) => i + 1));
    // Only the last run's callback hears: the rerun ones were dropped with their runs.
    expect(acks).toEqual([`failed ${MAX_RUNS}`]);
    expect(texts(journal, x)).toEqual(['1:x0']);
    expect(texts(journal, y)).toEqual(['1:y0']);
    await partnerDone();

    // A storage error to callers (503 storage_unavailable), though the storage is healthy.
    expect(isStorageError(thrown)).toBe(true);
    const health = createStorageHealth({ db, log: { error() {}, info() {} } });
    health.failed(thrown);
    expect(health.failure).toBeNull();
    const app = Fastify();
    installErrorHandlers(app);
    app.get('/write', async () => {
      throw thrown;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    const address = app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${address.port}/write`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
  });

  it('a deadlock that fn catches and goes on from is still rerun: what fails next fails for the deadlock', async () => {
    const { journal, reruns, meetPartner, partnerDone, lock } = await setup(1);
    let runs = 0;
    const caught: unknown[] = [];
    const value = journal.batched(() => {
      const run = ++runs;
      lock(x);
      log(journal, x, `x run ${run}`);
      if (run === 1) meetPartner(1);
      try {
        lock(y);
        log(journal, y, `y run ${run}`);
      } catch (err) {
        caught.push((err as { code?: unknown }).code);
      }
      // Appended in memory; the savepoint's release then fails in the aborted transaction (25P02),
      // and the journal hears the deadlock: this run's events go with it.
      log(journal, z, `z run ${run}`);
      return run;
    });
    expect(caught).toEqual(['40P01']);
    expect(value).toBe(2);
    expect(reruns).toEqual([{ code: '40P01', runs: 1 }]);
    expect(texts(journal, x)).toEqual(['1:x0', '2:x run 2']);
    expect(texts(journal, y)).toEqual(['1:y0', '2:y run 2']);
    expect(texts(journal, z)).toEqual(['1:z run 2']);
    await partnerDone();
  });

  it('a plain transaction whose fn catches the deadlock and returns: its COMMIT fails for the deadlock, and it is rerun', async () => {
    const { journal, reruns, meetPartner, partnerDone, lock } = await setup(1);
    let runs = 0;
    const value = journal.transaction(() => {
      const run = ++runs;
      lock(x);
      log(journal, x, `x run ${run}`);
      if (run === 1) meetPartner(1);
      try {
        lock(y);
        log(journal, y, `y run ${run}`);
      } catch {
        /* swallowed: PostgreSQL answers the COMMIT with a rollback */
      }
      return run;
    });
    expect(value).toBe(2);
    expect(reruns).toEqual([{ code: '40P01', runs: 1 }]);
    expect(texts(journal, x)).toEqual(['1:x0', '2:x run 2']);
    expect(texts(journal, y)).toEqual(['1:y0', '2:y run 2']);
    await partnerDone();
  });

  it('a serialization failure (40001) is rerun the same way', async () => {
    const { db, journal, reruns, lock } = await setup(0);
    // What a SERIALIZABLE transaction meets when another committed a conflicting write first.
    db.exec(
      "CREATE FUNCTION weft_serialization_failure() RETURNS void LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''could not serialize access'' USING ERRCODE = ''serialization_failure''; END'",
    );
    const fail = db.prepare('SELECT weft_serialization_failure()');
    let runs = 0;
    const value = journal.transaction(() => {
      const run = ++runs;
      lock(x);
      log(journal, x, `x run ${run}`);
      if (run === 1) fail.get();
      return run;
    });
    expect(value).toBe(2);
    expect(reruns).toEqual([{ code: '40001', runs: 1 }]);
    expect(texts(journal, x)).toEqual(['1:x0', '2:x run 2']);
  });
});
