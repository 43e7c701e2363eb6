import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from './backoff';

describe('backoffCeiling', () => {
  it('doubles from the base and stops at the cap', () => {
    const ceilings = Array.from({ length: 7 }, (_, attempt) => backoffCeiling({ attempt, baseMs: 1_000, maxMs: 30_000 }));
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('stays finite for any attempt number', () => {
    expect(backoffCeiling({ attempt: 5_000, baseMs: 250, maxMs: 10_000 })).toBe(10_000);
  });
});

describe('backoffDelay', () => {
  it('draws each delay from [ceiling/2, ceiling]', () => {
    const schedule = { baseMs: 250, maxMs: 2_000 };
    const lows = Array.from({ length: 5 }, (_, attempt) => backoffDelay({ ...schedule, attempt, random: () => 0 }));
    const highs = Array.from({ length: 5 }, (_, attempt) => backoffDelay({ ...schedule, attempt, random: () => 1 }));
    expect(lows).toEqual([125, 250, 500, 1_000, 1_000]);
    expect(highs).toEqual([250, 500, 1_000, 2_000, 2_000]);
  });

  it('is at least 1 ms, even for a zero ceiling', () => {
    expect(backoffDelay({ attempt: 0, baseMs: 0, maxMs: 2_000, random: () => 0 })).toBe(1);
  });
});
