import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatElapsed } from './elapsed';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads a formatted duration back into milliseconds, checking each part stays below its carry. */
function readBack(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d)?) ?(ms|s|m|h|d)\b/g)];
  expect(parts.map((p) => p[0]).join(' '), text).toBe(text);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (UNIT_MS[unit as string] ?? Number.NaN), 0);
}

const ms = fc.double({ min: 0, max: 40 * 86_400_000, noNaN: true });

describe('formatElapsed', () => {
  it('reads as the examples say', () => {
    expect(formatElapsed(420)).toBe('420 ms');
    expect(formatElapsed(999.6)).toBe('1.0 s');
    expect(formatElapsed(1530)).toBe('1.5 s');
    expect(formatElapsed(9960)).toBe('10 s');
    expect(formatElapsed(42_000)).toBe('42 s');
    expect(formatElapsed(59_600)).toBe('1m 0s');
    expect(formatElapsed(95_000)).toBe('1m 35s');
    expect(formatElapsed(119_600)).toBe('2m 0s');
    expect(formatElapsed(3_599_600)).toBe('1h 0m');
    expect(formatElapsed(2 * 3600_000 + 5 * 60_000)).toBe('2h 5m');
    expect(formatElapsed(2 * 3600_000 + 59 * 60_000 + 45_000)).toBe('3h 0m');
    expect(formatElapsed(86_399_000)).toBe('1d 0h');
    expect(formatElapsed(Number.NaN)).toBe('');
    expect(formatElapsed(-1)).toBe('');
  });

  it('never shows a part that should have carried: no 1000 ms, 60 s, 60m or 24h', () => {
    const limits: Record<string, number> = { ms: 1000, s: 60, m: 60, h: 24 };
    fc.assert(
      fc.property(ms, (value) => {
        const text = formatElapsed(value);
        for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d)?) ?(ms|s|m|h|d)\b/g)) {
          expect(Number(n), text).toBeLessThan(limits[unit as string] ?? Number.POSITIVE_INFINITY);
        }
      }),
    );
  });

  it('is monotonic: a longer duration never reads shorter', () => {
    fc.assert(
      fc.property(ms, ms, (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(readBack(formatElapsed(low))).toBeLessThanOrEqual(readBack(formatElapsed(high)));
      }),
    );
  });

  it('stays within half its last unit of the real duration', () => {
    fc.assert(
      fc.property(ms, (value) => {
        const text = formatElapsed(value);
        const last = text.match(/(ms|s|m|h|d)$/)?.[1] ?? 'ms';
        const unit = text.endsWith(' s') && text.includes('.') ? 100 : (UNIT_MS[last] ?? 1);
        expect(Math.abs(readBack(text) - value), text).toBeLessThanOrEqual(unit / 2 + 1e-6);
      }),
    );
  });
});
