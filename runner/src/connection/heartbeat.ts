export type HeartbeatOptions = {
  intervalMs: number;
  /** Sends one beat; returns false when it could not be sent. */
  beat(): boolean;
  /** Called once when `maxMissed` beats in a row went unanswered: the connection is presumed dead. */
  onDead(missed: number): void;
  maxMissed?: number;
};

/**
 * Owns the heartbeat interval of one connection and counts beats the server did not acknowledge.
 * A beat that is still unanswered when the next one is due counts as missed; an ack resets the count.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined;
  private outstanding = false;
  private missedInRow = 0;
  private readonly options: Required<HeartbeatOptions>;

  constructor(options: HeartbeatOptions) {
    this.options = { maxMissed: 2, ...options };
  }

  start(): void {
    this.stop();
    this.outstanding = false;
    this.missedInRow = 0;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    // A beat right away renews leases held over a reconnect before they can expire.
    this.tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The server answered a beat. */
  ack(): void {
    this.outstanding = false;
    this.missedInRow = 0;
  }

  get missed(): number {
    return this.missedInRow;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private tick(): void {
    if (this.outstanding) {
      this.missedInRow++;
      if (this.missedInRow >= this.options.maxMissed) {
        this.stop();
        this.options.onDead(this.missedInRow);
        return;
      }
    }
    this.outstanding = this.options.beat();
  }
}
