import { describe, expect, it } from 'vitest';
import { rowAt, rowOffsets, scrollToShow, spacerKey, visibleRows, windowParts } from './row-window';

const offsets = rowOffsets(Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? 50 : 30)));

describe('row window', () => {
  it('offsets are the running sum of the heights', () => {
    expect(rowOffsets([30, 50, 30])).toEqual([0, 30, 80, 110]);
    expect(offsets.at(-1)).toBe(90 * 30 + 10 * 50);
  });

  it('offsets start below a header when given its height', () => {
    expect(rowOffsets([30, 50], 12)).toEqual([12, 42, 92]);
  });

  it('finds the row under a position: the first whose bottom is below it, the row count past the end', () => {
    const three = rowOffsets([30, 50, 30], 10);
    expect([0, 10, 39, 40, 89, 90, 119].map((y) => rowAt(three, y))).toEqual([0, 0, 0, 1, 1, 2, 2]);
    expect(rowAt(three, 120)).toBe(3);
  });

  it('keys each spacer by the row below it, or the end', () => {
    const parts = windowParts({ offsets: rowOffsets([10, 10, 10, 10]), first: 1, last: 2 });
    expect(parts.map((part, i) => ('spacer' in part ? spacerKey(parts, i) : part.row))).toEqual(['spacer-1', 1, 'spacer-end']);
  });

  it('renders the rows the viewport crosses plus the overscan, clamped to the list', () => {
    expect(visibleRows({ offsets, scrollTop: 0, viewportHeight: 100, overscan: 2 })).toEqual({ first: 0, last: 6 });
    // 300 px is row 10's top (rows 0-8 are 30 px, row 9 is 50 px): rows 10..13 are in view.
    expect(visibleRows({ offsets, scrollTop: 320, viewportHeight: 100, overscan: 2 })).toEqual({ first: 8, last: 16 });
    expect(visibleRows({ offsets, scrollTop: 5000, viewportHeight: 100, overscan: 2 }).last).toBe(100);
  });

  it('renders every row while the viewport has no height', () => {
    expect(visibleRows({ offsets, scrollTop: 0, viewportHeight: 0, overscan: 2 })).toEqual({ first: 0, last: 100 });
  });

  it('lays the window out between spacers, with a focused row outside it in its own place', () => {
    const even = rowOffsets([10, 10, 10, 10, 10, 10, 10, 10]);
    expect(windowParts({ offsets: even, first: 0, last: 8 })).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((row) => ({ row })));
    expect(windowParts({ offsets: even, first: 3, last: 5 })).toEqual([{ spacer: 30 }, { row: 3 }, { row: 4 }, { spacer: 30 }]);
    expect(windowParts({ offsets: even, first: 3, last: 5, keep: 3 })).toEqual([{ spacer: 20 }, { row: 2 }, { row: 3 }, { row: 4 }, { spacer: 30 }]);
    // The focused row comes with its neighbours, for Tab and Shift+Tab.
    expect(windowParts({ offsets: even, first: 5, last: 7, keep: 1 })).toEqual([
      { row: 0 },
      { row: 1 },
      { row: 2 },
      { spacer: 20 },
      { row: 5 },
      { row: 6 },
      { spacer: 10 },
    ]);
    expect(windowParts({ offsets: even, first: 0, last: 2, keep: 7 })).toEqual([{ row: 0 }, { row: 1 }, { spacer: 40 }, { row: 6 }, { row: 7 }]);
    expect(windowParts({ offsets: even, first: 2, last: 3, keep: 3 })).toEqual([{ spacer: 20 }, { row: 2 }, { row: 3 }, { row: 4 }, { spacer: 30 }]);
  });

  it('scrolls as little as it can to show a row', () => {
    expect(scrollToShow({ offsets, index: 2, scrollTop: 0, viewportHeight: 100 })).toBe(0);
    expect(scrollToShow({ offsets, index: 9, scrollTop: 0, viewportHeight: 100 })).toBe(320 - 100);
    expect(scrollToShow({ offsets, index: 1, scrollTop: 200, viewportHeight: 100 })).toBe(30);
    expect(scrollToShow({ offsets, index: 500, scrollTop: 200, viewportHeight: 100 })).toBe(200);
  });
});
