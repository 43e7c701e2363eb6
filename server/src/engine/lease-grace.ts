import type { Clock } from '../clock';

/**
 * Leases outlive server downtime. Right after a start, leases recorded in `executions` (granted
 * before the restart) may already be past `lease_expires_at` only because the server was down:
 * their runners get one lease duration from the start to reconnect and renew them. Until then no
 * lease expires, and the holder of a lease (same runner, same attempt) may renew it and report
 * under it whatever its recorded expiry says. Leases granted after the start expire after the grace
 * anyway (grant time + leaseMs), so the rule only ever concerns the leases of before.
 */
/** The lease columns of an `executions` row. */
type LeaseRow = { lease_runner_id: string | null; lease_attempt: number | null; lease_expires_at: number | null };

export function createLeaseGrace({ clock, leaseMs }: { clock: Clock; leaseMs: number }) {
  const until = clock.now().getTime() + leaseMs;
  /** The lowest `lease_expires_at` that is still a valid lease at `nowMs`. */
  const validFrom = (nowMs: number) => (nowMs < until ? 0 : nowMs);
  return {
    /** When the grace ends (ms since the epoch). */
    until,
    inGrace: (nowMs: number) => nowMs < until,
    validFrom,
    /**
     * Whether `row`'s lease is held by `runnerId` under `attempt` at `nowMs`: the same runner, the
     * same attempt, and not expired (or recorded before the start and still in the grace).
     */
    holds: (row: LeaseRow | null | undefined, { runnerId, attempt }: { runnerId: string; attempt: number }, nowMs: number): boolean =>
      !!row && row.lease_runner_id === runnerId && row.lease_attempt === attempt && (row.lease_expires_at ?? 0) >= validFrom(nowMs),
  };
}

export type LeaseGrace = ReturnType<typeof createLeaseGrace>;
