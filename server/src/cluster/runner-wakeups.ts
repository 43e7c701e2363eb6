import type { Db } from '../db/open';

/** The channel a server tells the server holding a runner's socket something for that runner. */
export const RUNNER_CHANNEL = 'weft_runner';

/** A cancel for a runner connected to another server (`executions.onCancel`). */
export type RunnerCancel = { type: 'cancel'; runnerId: string; executionId: string; attempt: number };

/** A `weft_runner` payload, or null for anything that is not one. */
export function parseRunnerWakeup(payload: string): RunnerCancel | null {
  let m: unknown;
  try {
    m = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const { type, runnerId, executionId, attempt } = m as Record<string, unknown>;
  if (type !== 'cancel' || typeof runnerId !== 'string' || typeof executionId !== 'string' || !Number.isSafeInteger(attempt)) return null;
  return { type, runnerId, executionId, attempt: attempt as number };
}

/**
 * Sends a wake-up to whichever server holds the runner's socket: a NOTIFY on the sync connection,
 * so inside an open transaction (a group-commit batch) it goes out with that COMMIT, and not at all
 * if it rolls back.
 */
export function createRunnerWakeups(db: Db) {
  const notify = db.prepare('SELECT pg_notify(?, ?)');
  return {
    send(message: RunnerCancel): void {
      notify.get(RUNNER_CHANNEL, JSON.stringify(message));
    },
  };
}
