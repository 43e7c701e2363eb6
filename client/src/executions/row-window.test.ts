import { describe, expect, it } from 'vitest';
import { rowOffsets, scrollToShow, visibleRows } from './row-window';

const offsets = rowOffsets(Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? 50 : 30)));

describe('row window', () => {
  it('offsets are the running sum of the heights', () => {
    expect(rowOffsets([30, 50, 30])).toEqual([0, 30, 80, 110]);
    expect(offsets.at(-1)).toBe(90 * 30 + 10 * 50);
  });

  it('renders the rows the viewport crosses plus the overscan, clamped to the list', () => {
    expect(visibleRows({ offsets, scrollTop: 0, viewportHeight: 100, overscan: 2 })).toEqual({ first: 0, last: 6 });
    // 300 px is row 10's top (rows 0-8 are 30 px, row 9 is 50 px): rows 10..13 are in view.
    expect(visibleRows({ offsets, scrollTop: 320, viewportHeight: 100, overscan: 2 })).toEqual({ first: 8, last: 16 });
    expect(visibleRows({ offsets, scrollTop: 5000, viewportHeight: 100, overscan: 2 }).last).toBe(100);
  });

  it('renders every row while the viewport has no height, and always keeps the focused row', () => {
    expect(visibleRows({ offsets, scrollTop: 0, viewportHeight: 0, overscan: 2 })).toEqual({ first: 0, last: 100 });
    expect(visibleRows({ offsets, scrollTop: 0, viewportHeight: 100, overscan: 2, keep: 40 })).toEqual({ first: 0, last: 41 });
    expect(visibleRows({ offsets, scrollTop: 2000, viewportHeight: 100, overscan: 2, keep: 3 }).first).toBe(3);
  });

  it('scrolls as little as it can to show a row', () => {
    expect(scrollToShow({ offsets, index: 2, scrollTop: 0, viewportHeight: 100 })).toBe(0);
    expect(scrollToShow({ offsets, index: 9, scrollTop: 0, viewportHeight: 100 })).toBe(320 - 100);
    expect(scrollToShow({ offsets, index: 1, scrollTop: 200, viewportHeight: 100 })).toBe(30);
    expect(scrollToShow({ offsets, index: 500, scrollTop: 200, viewportHeight: 100 })).toBe(200);
  });
});
