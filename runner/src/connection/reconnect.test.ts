import { describe, expect, it } from 'vitest';
import { Backoff } from './reconnect';

describe('Backoff', () => {
  it('doubles from 250 ms to a 2 s ceiling, drawing each delay from [ceiling/2, ceiling]', () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 1 });
    const lows = Array.from({ length: 7 }, () => low.next());
    const highs = Array.from({ length: 7 }, () => high.next());
    expect(highs).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000]);
    expect(lows).toEqual([125, 250, 500, 1000, 1000, 1000, 1000]);
  });

  it('keeps the ceiling at most a fifth of the lease once the server named it', () => {
    const backoff = new Backoff({ random: () => 1 });
    backoff.limit(1_200 / 5);
    expect(Array.from({ length: 4 }, () => backoff.next())).toEqual([240, 240, 240, 240]);
    // A longer lease never raises the ceiling past the configured one.
    backoff.limit(600_000 / 5);
    expect(backoff.next()).toBe(2_000);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ random: () => 1 });
    backoff.next();
    backoff.next();
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.next()).toBe(250);
  });

  it('jitters between runners', () => {
    const delays = new Set(Array.from({ length: 20 }, () => new Backoff().next()));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(125);
      expect(delay).toBeLessThanOrEqual(250);
    }
  });
});
