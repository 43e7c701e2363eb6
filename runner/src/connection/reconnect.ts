/**
 * Exponential backoff with full jitter between reconnect attempts: the ceiling doubles from
 * `initialMs` to `maxMs`, and each delay is drawn from [ceiling/2, ceiling] so a fleet of runners
 * restarting together does not reconnect in lockstep. `reset()` after a successful handshake.
 */
export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor({ initialMs = 250, maxMs = 10_000, random = Math.random }: { initialMs?: number; maxMs?: number; random?: () => number } = {}) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const jittered = ceiling / 2 + (this.random() * ceiling) / 2;
    return Math.round(Math.min(this.maxMs, Math.max(1, jittered)));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
