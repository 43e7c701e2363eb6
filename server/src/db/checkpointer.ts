import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDb } from './open';

/** WAL frames (pages) after which the writer itself completes a checkpoint so the WAL restarts. */
const WAL_RESTART_FRAMES = 16_384;

// CommonJS for an eval worker: it needs no TypeScript loader, in the server and under the tests.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpointed', busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ type: 'failed', message: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  }
});
`;

type Report = { type: 'checkpointed'; busy: number; log: number; checkpointed: number } | { type: 'failed'; message: string };
type CheckpointRow = { busy: number; log: number; checkpointed: number };

/**
 * Checkpoints the WAL off the event loop while writes are steady, so the event loop never copies
 * pages into the database file or waits for its fsync: SQLite's automatic checkpoint ran inside a
 * COMMIT on the main thread every 1,000 pages, stalling every request for milliseconds.
 *
 * The worker thread (a second V8 isolate, about 10 MiB) runs only while the database is busy: a
 * tick every `tickMs` on this thread counts the rows this connection changed since the last tick
 * (`total_changes()`, no I/O). At least `busyChanges` of them (or `busyCommits` journal commits
 * in between) start the worker; `idleStopMs` without a change stop it. A few changes while it is
 * stopped are checkpointed by the tick itself (a handful of pages and one fsync, at most once a
 * tick). An idle server thus holds no worker and does no work.
 *
 * A PASSIVE checkpoint never blocks the writer, but under steady writes it never catches up with
 * the last frame, and the WAL only restarts from the top once it has. So when the worker reports a
 * WAL past `restartFrames`, `afterCommit` (called by the journal right after a COMMIT, when no write
 * is in flight) checkpoints on the writer's connection: only the few frames the worker has not
 * copied yet, and the next transaction starts the WAL over.
 */
export function startCheckpointer({
  db,
  synchronous,
  intervalMs = 100,
  restartFrames = WAL_RESTART_FRAMES,
  tickMs = 1000,
  busyChanges = 200,
  busyCommits = 50,
  idleStopMs = 5000,
  log,
}: {
  db: SqliteDb;
  synchronous: 'FULL' | 'NORMAL';
  /** The worker's checkpoint period. */
  intervalMs?: number;
  restartFrames?: number;
  tickMs?: number;
  busyChanges?: number;
  busyCommits?: number;
  idleStopMs?: number;
  log: { warn(obj: object, msg: string): void };
}) {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  db.pragma('wal_autocheckpoint = 0');
  const totalChanges = db.prepare('SELECT total_changes() AS n').pluck();
  let worker: Worker | null = null;
  let workerExited: Promise<void> = Promise.resolve();
  let walFrames = 0;
  let failed = false;
  let stopped = false;
  let lastChanges = totalChanges.get() as number;
  let lastChangeAt = Date.now();
  let commitsSinceTick = 0;

  const fallBack = (msg: string, err?: unknown) => {
    if (failed || stopped) return;
    failed = true;
    void worker?.terminate();
    worker = null;
    clearInterval(ticker);
    log.warn({ err }, msg);
    // SQLite's own checkpoints again: slower, never unbounded.
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };

  const startWorker = () => {
    if (worker || failed || stopped) return;
    const started = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file: db.name, synchronous, intervalMs },
      // It allocates next to nothing: V8's default young generation would sit mostly empty in RSS.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    started.unref();
    started.on('message', (m: Report) => {
      if (m.type === 'checkpointed') walFrames = m.log;
      else fallBack(`background WAL checkpoint failed (${m.message}); checkpointing inline`);
    });
    started.on('error', (err) => fallBack('background WAL checkpointer stopped; checkpointing inline', err));
    workerExited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    worker = started;
  };

  /** Asks the worker for a last checkpoint and to close; terminated if it does not within 2 s. */
  const stopWorker = async () => {
    const running = worker;
    if (!running) return;
    worker = null;
    const exited = workerExited;
    running.postMessage('stop');
    const timer = setTimeout(() => void running.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  };

  const checkpointHere = () => {
    if (db.inTransaction) return;
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
    if (r) walFrames = r.log;
  };

  const tick = () => {
    const changes = totalChanges.get() as number;
    const delta = changes - lastChanges;
    const commits = commitsSinceTick;
    lastChanges = changes;
    commitsSinceTick = 0;
    const now = Date.now();
    if (delta > 0) lastChangeAt = now;
    if (worker) {
      if (now - lastChangeAt >= idleStopMs) void stopWorker();
    } else if (delta >= busyChanges || commits >= busyCommits) {
      startWorker();
    } else if (delta > 0) {
      checkpointHere();
    }
  };
  const ticker = setInterval(tick, tickMs);
  ticker.unref();

  return {
    /** After a COMMIT: wake the worker on a burst of commits; restart a WAL that grew past the limit. */
    afterCommit(): void {
      if (!worker && ++commitsSinceTick >= busyCommits) startWorker();
      if (failed || walFrames < restartFrames || db.inTransaction) return;
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
      // Busy: the worker is mid-checkpoint; try again after a later commit.
      if (r && r.busy === 0 && r.log === r.checkpointed) walFrames = 0;
    },
    /** Frames in the WAL at the last checkpoint (the worker's, or the tick's). */
    get walFrames() {
      return walFrames;
    },
    /** Whether the worker thread is running now. */
    get inBackground() {
      return worker !== null;
    },
    async stop(): Promise<void> {
      clearInterval(ticker);
      if (stopped) return;
      stopped = true;
      await stopWorker();
    },
  };
}

export type Checkpointer = ReturnType<typeof startCheckpointer>;
