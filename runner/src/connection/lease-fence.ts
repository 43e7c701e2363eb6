import type { LeaseRef } from '../engine/types';

export type LeaseFenceOptions = {
  /** Every lease this runner holds now (running executions and unacknowledged events). */
  held(): LeaseRef[];
  /** The lease's deadline passed without a renewal: stop the execution. */
  onExpired(lease: LeaseRef): void;
  /** Monotonic milliseconds; `performance.now` unless a test injects a clock. */
  now?: () => number;
  /** Injectable for tests. */
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (timer: unknown) => void;
};

/** The part of a lease kept back for clock drift and delivery delays (see `deadlineOf`). */
export const FENCE_MARGIN_RATIO = 0.2;

const keyOf = (lease: LeaseRef) => `${lease.attempt}#${lease.executionId}`;

/**
 * The runner's own lease deadline. The server expires a lease `leaseMs` after it last renewed it;
 * the runner cannot know that instant, but it knows a lower bound: when it *sent* the heartbeat
 * whose `heartbeat_ack` renewed the lease (or when it received the grant). So a lease is dead for
 * the runner at `renewedAt + leaseMs - margin` (margin = a fifth of the lease), measured on its
 * monotonic clock, and the runner stops the execution then: before the server can grant it to
 * anyone else, whether the runner is cut off, the server is down, or its writes fail. A lease is
 * stopped once; it may stay held a while after (its events still waiting for an answer).
 */
export class LeaseFence {
  private leaseMs: number | undefined;
  private readonly renewedAt = new Map<string, number>();
  /** Stopped for their deadline: not stopped again while still held (their events wait for delivery). */
  private readonly expired = new Set<string>();
  /** Heartbeats sent and not answered yet: when, and which leases they named. */
  private readonly beats = new Map<string, { sentAt: number; leases: LeaseRef[] }>();
  private timer: unknown;
  private readonly now: () => number;

  constructor(private readonly options: LeaseFenceOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** From `welcome`; checks start then, every tenth of a lease (at most every 250 ms). */
  setLeaseMs(leaseMs: number): void {
    this.leaseMs = leaseMs;
    this.stop();
    const every = Math.max(10, Math.min(250, Math.floor(leaseMs / 10)));
    const set = this.options.setInterval ?? ((fn, ms) => setInterval(fn, ms).unref());
    this.timer = set(() => this.check(), every);
  }

  get marginMs(): number {
    return Math.round((this.leaseMs ?? 0) * FENCE_MARGIN_RATIO);
  }

  /** A grant arrived: the server renewed it at most now. */
  granted(lease: LeaseRef): void {
    this.renewedAt.set(keyOf(lease), this.now());
  }

  beatSent(id: string, leases: LeaseRef[]): void {
    this.beats.set(id, { sentAt: this.now(), leases });
    // Answers never come for beats sent before a reconnect: keep only the latest few.
    if (this.beats.size > 16) this.beats.delete(this.beats.keys().next().value!);
  }

  /** A `heartbeat_ack`: every lease the beat named and the server did not list as lost was renewed. */
  acked(id: string | number | undefined, lost: LeaseRef[]): void {
    const beat = id === undefined ? undefined : this.beats.get(String(id));
    if (!beat) return;
    this.beats.delete(String(id));
    const gone = new Set(lost.map(keyOf));
    for (const lease of beat.leases) {
      const key = keyOf(lease);
      if (gone.has(key)) continue;
      this.renewedAt.set(key, Math.max(this.renewedAt.get(key) ?? 0, beat.sentAt));
    }
  }

  /** The instant (monotonic ms) after which the runner must not work on this lease. */
  deadlineOf(lease: LeaseRef): number | undefined {
    const renewed = this.renewedAt.get(keyOf(lease));
    if (renewed === undefined || this.leaseMs === undefined) return undefined;
    return renewed + this.leaseMs - this.marginMs;
  }

  /** Stops every held lease past its deadline; forgets leases no longer held. */
  check(): void {
    if (this.leaseMs === undefined) return;
    const now = this.now();
    const held = this.options.held();
    const keys = new Set(held.map(keyOf));
    for (const key of this.renewedAt.keys()) if (!keys.has(key)) this.renewedAt.delete(key);
    for (const key of this.expired) if (!keys.has(key)) this.expired.delete(key);
    for (const lease of held) {
      const key = keyOf(lease);
      if (this.expired.has(key)) continue;
      // Held without a known renewal (cannot happen: grants are recorded): start counting now.
      if (!this.renewedAt.has(key)) this.renewedAt.set(key, now);
      const deadline = this.deadlineOf(lease)!;
      if (now < deadline) continue;
      this.renewedAt.delete(key);
      this.expired.add(key);
      this.options.onExpired(lease);
    }
  }

  stop(): void {
    if (this.timer === undefined) return;
    (this.options.clearInterval ?? ((t) => clearInterval(t as ReturnType<typeof setInterval>)))(this.timer);
    this.timer = undefined;
  }
}
