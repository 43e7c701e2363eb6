import type { Clock } from '../clock';

/**
 * Leases outlive server downtime. Right after a start, leases recorded in `executions` (granted
 * before the restart) may already be past `lease_expires_at` only because the server was down:
 * their runners get one lease duration from the start to reconnect and renew them. Until then no
 * lease expires, and the holder of a lease (same runner, same attempt) may renew it and report
 * under it whatever its recorded expiry says. Leases granted after the start expire after the grace
 * anyway (grant time + leaseMs), so the rule only ever concerns the leases of before.
 */
export function createLeaseGrace({ clock, leaseMs }: { clock: Clock; leaseMs: number }) {
  const until = clock.now().getTime() + leaseMs;
  return {
    /** When the grace ends (ms since the epoch). */
    until,
    inGrace: (nowMs: number) => nowMs < until,
    /** The lowest `lease_expires_at` that is still a valid lease at `nowMs`. */
    validFrom: (nowMs: number) => (nowMs < until ? 0 : nowMs),
  };
}

export type LeaseGrace = ReturnType<typeof createLeaseGrace>;
