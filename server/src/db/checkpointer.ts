import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './open';

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
    db.close();
    parentPort.close();
  }
});
`;

type Report = { type: 'checkpointed'; busy: number; log: number; checkpointed: number } | { type: 'failed'; message: string };

/**
 * Checkpoints the WAL from a worker thread, so the event loop never copies pages into the database
 * file or waits for its fsync: SQLite's automatic checkpoint ran inside a COMMIT on the main thread
 * every 1,000 pages, stalling every request for milliseconds.
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
  log,
}: {
  db: Db;
  synchronous: 'FULL' | 'NORMAL';
  intervalMs?: number;
  restartFrames?: number;
  log: { warn(obj: object, msg: string): void };
}) {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  db.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file: db.name, synchronous, intervalMs },
    // It allocates next to nothing: V8's default young generation would sit mostly empty in RSS.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  worker.unref();
  let walFrames = 0;
  let stopped = false;
  const fallBack = (msg: string, err?: unknown) => {
    if (stopped) return;
    stopped = true;
    void worker.terminate();
    log.warn({ err }, msg);
    // SQLite's own checkpoints again: slower, never unbounded.
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('message', (m: Report) => {
    if (m.type === 'checkpointed') walFrames = m.log;
    else fallBack(`background WAL checkpoint failed (${m.message}); checkpointing inline`);
  });
  worker.on('error', (err) => fallBack('background WAL checkpointer stopped; checkpointing inline', err));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  return {
    /** After a COMMIT: restart a WAL that grew past the limit. */
    afterCommit(): void {
      if (stopped || walFrames < restartFrames || db.inTransaction) return;
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      // Busy: the worker is mid-checkpoint; try again after a later commit.
      if (r && r.busy === 0 && r.log === r.checkpointed) walFrames = 0;
    },
    /** Frames in the WAL at the worker's last checkpoint. */
    get walFrames() {
      return walFrames;
    },
    async stop(): Promise<void> {
      if (stopped) {
        await worker.terminate();
        return;
      }
      stopped = true;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type Checkpointer = ReturnType<typeof startCheckpointer>;
