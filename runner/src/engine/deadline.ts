/**
 * A step attempt's timeout whose clock stops while the step waits for a person (a tool approval,
 * an agent's question): that time does not count against `timeoutSeconds`. Pauses nest.
 */
export class PausableDeadline {
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number;
  private since = 0;
  private pauses = 0;
  private done = false;

  constructor(
    ms: number,
    private readonly onExpire: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.remainingMs = ms;
    this.arm();
  }

  /** Stops the clock until the returned function is called (once; later calls do nothing). */
  pause(): () => void {
    if (this.done) return () => {};
    if (this.pauses++ === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.remainingMs = Math.max(0, this.remainingMs - (this.now() - this.since));
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.pauses === 0) this.arm();
    };
  }

  clear(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.done) return;
    this.since = this.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.onExpire();
    }, this.remainingMs);
  }
}
