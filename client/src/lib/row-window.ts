/**
 * Which rows of a long list to render (the step trace, the timeline's lanes): the ones in the scroll
 * viewport plus a few either side, from per-row heights. Pure, so the windowing rules are tested
 * without a browser.
 */

/** `offsets[i]` is row i's top, `offsets[n]` the list's height; rows start at `start` (below a header). */
export function rowOffsets(heights: readonly number[], start = 0): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = start;
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = (offsets[i] ?? 0) + (heights[i] ?? 0);
  return offsets;
}

/** The first row whose bottom is below `y` (binary search over the offsets); the row count when `y` is past the end. */
export function rowAt(offsets: readonly number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((offsets[mid + 1] ?? 0) <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rows `[first, last)` to render. A viewport of unknown height (not laid out yet, or no layout at
 * all) renders every row, so nothing is ever missing.
 */
export function visibleRows({
  offsets,
  scrollTop,
  viewportHeight,
  overscan,
}: {
  offsets: readonly number[];
  scrollTop: number;
  viewportHeight: number;
  overscan: number;
}): { first: number; last: number } {
  const count = offsets.length - 1;
  if (viewportHeight <= 0 || count <= 0) return { first: 0, last: Math.max(0, count) };
  const first = Math.max(0, rowAt(offsets, scrollTop) - overscan);
  const last = Math.min(count, rowAt(offsets, scrollTop + viewportHeight) + 1 + overscan);
  return { first, last };
}

export type WindowPart = { row: number } | { spacer: number };

/**
 * What the list holds, top to bottom: spacers for the rows not rendered, the rows `[first, last)`,
 * and `keep` (a focused row) with its neighbours in their own place even when far outside the
 * window, so focus survives scrolling without rendering every row in between.
 */
export function windowParts({ offsets, first, last, keep }: { offsets: readonly number[]; first: number; last: number; keep?: number | null }): WindowPart[] {
  const count = offsets.length - 1;
  // The focused row with its neighbours, so Tab and Shift+Tab from it land on a row (which the
  // browser then scrolls into view, bringing the window along).
  const kept =
    keep === null || keep === undefined || keep < 0 || keep >= count
      ? []
      : [keep - 1, keep, keep + 1].filter((i) => i >= 0 && i < count && (i < first || i >= last));
  const rows = [...kept.filter((i) => i < first), ...Array.from({ length: Math.max(0, last - first) }, (_, i) => first + i), ...kept.filter((i) => i >= last)];
  const parts: WindowPart[] = [];
  let at = 0;
  for (const row of rows) {
    const gap = (offsets[row] ?? 0) - (offsets[at] ?? 0);
    if (gap > 0) parts.push({ spacer: gap });
    parts.push({ row });
    at = row + 1;
  }
  const tail = (offsets[count] ?? 0) - (offsets[at] ?? 0);
  if (tail > 0) parts.push({ spacer: tail });
  return parts;
}

/** A React key for the spacer at `parts[index]`: the row below it, or the end (at most one spacer stands before each row). */
export function spacerKey(parts: readonly WindowPart[], index: number): string {
  const below = parts[index + 1];
  return below !== undefined && 'row' in below ? `spacer-${below.row}` : 'spacer-end';
}

/** The scroll position that brings row `index` fully into view with the least movement (as `block: 'nearest'`). */
export function scrollToShow({
  offsets,
  index,
  scrollTop,
  viewportHeight,
}: {
  offsets: readonly number[];
  index: number;
  scrollTop: number;
  viewportHeight: number;
}): number {
  const top = offsets[index];
  const bottom = offsets[index + 1];
  if (top === undefined || bottom === undefined || viewportHeight <= 0) return scrollTop;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}
