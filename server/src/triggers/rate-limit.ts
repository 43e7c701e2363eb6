import type { Clock } from '../clock';

/**
 * One token bucket per trigger, in memory (per server process): `perMinute` tokens, refilled
 * continuously. A denial says how many seconds until the next token.
 */
export function createRateLimiter({ clock }: { clock: Clock }) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(id: string, perMinute: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const now = clock.now().getTime();
      const b = buckets.get(id) ?? { tokens: perMinute, at: now };
      const refill = (Math.max(0, now - b.at) * perMinute) / 60_000;
      b.tokens = Math.min(perMinute, b.tokens + refill);
      b.at = now;
      buckets.set(id, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - b.tokens) * 60) / perMinute)) };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
