import { describe, expect, it } from 'vitest';
import { createLeaseGrace } from './lease-grace';

const START = 1_000_000;
const grace = createLeaseGrace({ clock: { now: () => new Date(START) }, leaseMs: 30_000 });
const lease = (expiresAt: number | null) => ({ lease_runner_id: 'r1', lease_attempt: 2, lease_expires_at: expiresAt });
const me = { runnerId: 'r1', attempt: 2 };

describe('lease grace: who holds a lease', () => {
  it('the same runner and attempt, unexpired', () => {
    const after = grace.until + 1;
    expect(grace.holds(lease(after), me, after)).toBe(true);
    expect(grace.holds(lease(after), { runnerId: 'r2', attempt: 2 }, after)).toBe(false);
    expect(grace.holds(lease(after), { runnerId: 'r1', attempt: 1 }, after)).toBe(false);
    expect(grace.holds(lease(after - 1), me, after)).toBe(false);
    expect(grace.holds(null, me, after)).toBe(false);
  });

  it('a lease recorded before the start holds through the grace whatever its expiry, not after', () => {
    expect(grace.holds(lease(START - 60_000), me, START + 1)).toBe(true);
    expect(grace.holds(lease(null), me, grace.until - 1)).toBe(true);
    expect(grace.holds(lease(START - 60_000), me, grace.until)).toBe(false);
    expect(grace.holds({ ...lease(START - 60_000), lease_runner_id: null }, me, START + 1)).toBe(false);
  });
});
