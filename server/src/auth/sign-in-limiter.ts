import type { Clock } from '../clock';

export type SignInLimiter = ReturnType<typeof createSignInLimiter>;

/**
 * Failed sign-ins per client address, in memory (per server process; a restart forgets them).
 * After `maxFailures` failures within `windowMs` the address is refused — even with the right
 * token — until its oldest failure leaves the window. A success forgets the address's failures.
 */
export function createSignInLimiter({
  clock,
  maxFailures = 10,
  windowMs = 15 * 60_000,
  maxAddresses = 10_000,
}: {
  clock: Clock;
  maxFailures?: number;
  windowMs?: number;
  maxAddresses?: number;
}) {
  const failures = new Map<string, number[]>();
  const recent = (address: string, now: number) => {
    const times = (failures.get(address) ?? []).filter((t) => t > now - windowMs);
    if (times.length === 0) failures.delete(address);
    else failures.set(address, times);
    return times;
  };
  return {
    maxFailures,
    check(address: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const now = clock.now().getTime();
      const times = recent(address, now);
      if (times.length < maxFailures) return { ok: true };
      const freedAt = times[times.length - maxFailures]! + windowMs;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((freedAt - now) / 1000)) };
    },
    fail(address: string): void {
      const now = clock.now().getTime();
      const times = recent(address, now);
      times.push(now);
      failures.delete(address);
      // Bounded: a flood from many addresses forgets the least recently failing first.
      if (failures.size >= maxAddresses) failures.delete(failures.keys().next().value!);
      failures.set(address, times.slice(-maxFailures));
    },
    succeed(address: string): void {
      failures.delete(address);
    },
  };
}
