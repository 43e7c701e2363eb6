import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from '../src/db/checkpointer';
import { asSqlite, openDatabase, type Db } from '../src/db/open';
import { waitUntil } from './helpers/live-client';
import { startServer } from './helpers/server';

const log = {
  warnings: [] as string[],
  warn(_obj: object, msg: string) {
    this.warnings.push(msg);
  },
};
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
  log.warnings = [];
});

type Options = Partial<Pick<Parameters<typeof startCheckpointer>[0], 'restartFrames' | 'intervalMs' | 'tickMs' | 'busyChanges' | 'busyCommits' | 'idleStopMs'>>;

/** By default the worker starts on the first commit the journal reports (`busyCommits: 1`). */
function setup(options: Options = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ckpt-'));
  const db = openDatabase({ dataDir, synchronous: 'FULL' });
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, blob TEXT)');
  const checkpointer = startCheckpointer({ db, synchronous: 'FULL', intervalMs: 20, busyCommits: 1, log, ...options });
  cleanup.push(async () => {
    await checkpointer.stop();
    db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { db, checkpointer, wal: () => fs.statSync(`${db.name}-wal`).size };
}

/** One committed transaction that dirties a few pages, then the journal's hook. */
function commit(db: Db, checkpointer: Checkpointer | null, i: number) {
  db.prepare('INSERT INTO filler (blob) VALUES (?)').run(`${i}:${'x'.repeat(3000)}`);
  checkpointer?.afterCommit();
}

describe('background WAL checkpointer', () => {
  it('turns SQLite’s checkpoint inside COMMIT off and copies the WAL into the database from its worker', async () => {
    const { db, checkpointer } = setup();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(checkpointer.inBackground).toBe(false);
    commit(db, checkpointer, 0);
    expect(checkpointer.inBackground).toBe(true);
    for (let i = 1; i < 50; i++) commit(db, null, i);
    const reader = new BetterSqlite3(db.name, { readonly: true });
    cleanup.push(() => {
      reader.close();
    });
    // Nothing on this thread checkpointed: the rows reach the main file through the worker.
    await waitUntil(() => checkpointer.walFrames > 0 && fs.statSync(db.name).size > 50 * 3000, 5000, 'worker checkpoint');
    expect((reader.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n).toBe(50);
  });

  it('once the worker reports a WAL past the limit, the next commit completes a checkpoint itself so the WAL restarts', async () => {
    const { db, checkpointer } = setup({ restartFrames: 20, intervalMs: 10 });
    // A reader holding an old snapshot keeps the worker from ever catching up, as steady writes do.
    const reader = new BetterSqlite3(db.name);
    cleanup.push(() => {
      reader.close();
    });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT COUNT(*) FROM filler').get();
    commit(db, checkpointer, 0);
    for (let i = 1; i < 30; i++) commit(db, null, i);
    await waitUntil(() => checkpointer.walFrames >= 20, 5000, 'worker report');
    reader.prepare('COMMIT').run();

    // Synchronous from here: no worker report can reach this thread in between.
    checkpointer.afterCommit();
    expect(checkpointer.walFrames).toBe(0);
    commit(db, null, 30);
    const [after] = reader.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(after!.log).toBeLessThan(10); // the WAL started over from its first frame
    expect((db.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n).toBe(31);
  });

  it('falls back to SQLite’s own checkpoints when the worker cannot run', async () => {
    // The worker opens the database by its path: gone, it cannot.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ckpt-'));
    const db = openDatabase({ dataDir, synchronous: 'FULL' });
    fs.rmSync(dataDir, { recursive: true, force: true });
    cleanup.push(() => {
      db.close();
    });
    const checkpointer = startCheckpointer({ db, synchronous: 'FULL', intervalMs: 20, busyCommits: 1, log });
    cleanup.push(() => checkpointer.stop());
    checkpointer.afterCommit();
    await waitUntil(() => log.warnings.length > 0, 5000, 'fallback');
    expect(log.warnings[0]).toMatch(/checkpoint/);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('starts its worker only while writes are steady and stops it once they stop; a few changes are checkpointed by its tick', async () => {
    const { db, checkpointer } = setup({ tickMs: 20, busyChanges: 20, busyCommits: 1000, idleStopMs: 200 });
    const fileSize = () => fs.statSync(db.name).size;
    // A few rows: no worker; the tick copies them into the database file itself.
    const before = fileSize();
    for (let i = 0; i < 5; i++) commit(db, null, i);
    await waitUntil(() => checkpointer.walFrames > 0 && fileSize() > before, 5000, 'tick checkpoint');
    expect(checkpointer.inBackground).toBe(false);

    // Many rows within a tick: the worker starts, and is stopped once nothing changed for idleStopMs.
    db.transaction(() => {
      for (let i = 5; i < 40; i++) commit(db, null, i);
    })();
    await waitUntil(() => checkpointer.inBackground, 5000, 'worker start');
    await waitUntil(() => !checkpointer.inBackground, 5000, 'worker stop');
    expect((db.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n).toBe(40);
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(r!.checkpointed).toBe(r!.log); // everything was copied before the worker closed
  });

  it('runs with the server and stops with it, leaving no WAL behind', async () => {
    const s = await startServer();
    expect(asSqlite(s.app.db, 'the checkpointer').pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await s.request('POST', '/api/workflows', { body: { definition: { name: 'x', steps: [{ id: 'a', type: 'notify', message: 'hi' }] } } });
    await s.close();
    expect(fs.existsSync(path.join(s.dataDir, 'weft.db-wal'))).toBe(false);
  });
});
