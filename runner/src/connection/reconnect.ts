import { backoffDelay } from '@weft/shared';

/**
 * Backoff between reconnect attempts (`backoffDelay`: the ceiling doubles from `initialMs` to
 * `maxMs`, each delay drawn from [ceiling/2, ceiling]) so a fleet of runners restarting together
 * does not reconnect in lockstep. This class counts the failures; `reset()` after a successful handshake.
 *
 * The ceiling stays well below a lease (2 s by default, and at most a fifth of the server's
 * `leaseMs` once known, see `limit`): a runner back within its lease keeps its executions, so
 * waiting longer than that between attempts would turn a short outage into lost work.
 */
export const DEFAULT_MAX_BACKOFF_MS = 2_000;

export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private maxMs: number;
  private readonly configuredMaxMs: number;
  private readonly random: () => number;

  constructor({ initialMs = 250, maxMs = DEFAULT_MAX_BACKOFF_MS, random = Math.random }: { initialMs?: number; maxMs?: number; random?: () => number } = {}) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.configuredMaxMs = maxMs;
    this.random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const delay = backoffDelay({ attempt: this.failures, baseMs: this.initialMs, maxMs: this.maxMs, random: this.random });
    this.failures++;
    return delay;
  }

  /** Sets the ceiling to `maxMs`, never past the configured one. */
  limit(maxMs: number): void {
    this.maxMs = Math.max(1, Math.min(this.configuredMaxMs, maxMs));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
