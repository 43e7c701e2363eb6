import { isWriteConflict } from '../db/storage-errors';

/**
 * How often the journal runs a logical transaction that PostgreSQL keeps aborting with a deadlock
 * (40P01) or a serialization failure (40001), the first run included. Past it the conflict reaches
 * the caller (503 `storage_unavailable`: nothing was saved, try again).
 */
export const MAX_RUNS = 10;

/**
 * The longest wait before a rerun: this many ms times 2^(runs so far - 1), at most MAX_WAIT_MS,
 * jittered below it. Long enough for the other server's batch to commit (its next turn), short
 * beside PostgreSQL's own deadlock_timeout (1 s), which every deadlock already waited.
 */
const WAIT_STEP_MS = 5;
const MAX_WAIT_MS = 100;

/** Never notified: `Atomics.wait` on it is a sleep. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Whether the journal reruns a logical transaction that failed with `err` after `runs` runs. */
export function rerunAfter(err: unknown, runs: number): boolean {
  return runs < MAX_RUNS && isWriteConflict(err);
}

/**
 * Waits a few ms before a rerun, jittered, so the transaction that won does not meet the rerun at
 * once and two servers that deadlocked do not retry in step. The thread blocks, as it does for
 * every PostgreSQL statement (db/postgres/sync-connection.ts): the journal's API is synchronous.
 */
export function waitBeforeRerun(runs: number): void {
  const ms = Math.random() * Math.min(MAX_WAIT_MS, WAIT_STEP_MS * 2 ** (runs - 1));
  if (ms >= 1) Atomics.wait(pause, 0, 0, Math.round(ms));
}
