/**
 * Reconnect and restart backoff, shared by the browser's live socket, the runner's connection and
 * the server's runner supervisor; each keeps its own base and cap.
 *
 * The ceiling doubles per attempt from `baseMs` up to `maxMs`. The jittered delay is drawn from
 * [ceiling/2, ceiling], so many clients failing together do not retry in lockstep, while none
 * retries sooner than half the ceiling.
 */
export interface BackoffSchedule {
  /** The first ceiling (attempt 0). */
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The ceiling for attempt `attempt` (0-based). The exponent stops at 30 so it stays finite. */
export function backoffCeiling({ attempt, baseMs, maxMs }: BackoffSchedule & { attempt: number }): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}

/** The delay before attempt `attempt` (0-based), jittered by `random` (in [0, 1)), at least 1 ms. */
export function backoffDelay({ attempt, baseMs, maxMs, random }: BackoffSchedule & { attempt: number; random: () => number }): number {
  const ceiling = backoffCeiling({ attempt, baseMs, maxMs });
  const jittered = ceiling / 2 + (random() * ceiling) / 2;
  return Math.round(Math.min(maxMs, Math.max(1, jittered)));
}
