import { describe, expect, it } from 'vitest';
import { Backoff } from './reconnect';

describe('Backoff', () => {
  it('doubles from 250 ms to a 10 s ceiling, drawing each delay from [ceiling/2, ceiling]', () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 1 });
    const lows = Array.from({ length: 9 }, () => low.next());
    const highs = Array.from({ length: 9 }, () => high.next());
    expect(highs).toEqual([250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    expect(lows).toEqual([125, 250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
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
