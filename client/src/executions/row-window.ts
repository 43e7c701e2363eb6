/**
 * Which rows of a long list to render (the step trace, the timeline's lanes): the ones in the scroll
 * viewport plus a few either side, from per-row heights. Pure, so the windowing rules are tested
 * without a browser.
 */

/** `offsets[i]` is row i's top, `offsets[n]` the list's height. */
export function rowOffsets(heights: readonly number[]): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = (offsets[i] ?? 0) + (heights[i] ?? 0);
  return offsets;
}

/** The first row whose bottom is below `y` (binary search over the offsets). */
function rowAt(offsets: readonly number[], y: number): number {
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
 * all) renders every row, so nothing is ever missing; `keep` (a focused row) is always included.
 */
export function visibleRows({
  offsets,
  scrollTop,
  viewportHeight,
  overscan,
  keep,
}: {
  offsets: readonly number[];
  scrollTop: number;
  viewportHeight: number;
  overscan: number;
  keep?: number | null;
}): { first: number; last: number } {
  const count = offsets.length - 1;
  if (viewportHeight <= 0 || count <= 0) return { first: 0, last: Math.max(0, count) };
  let first = Math.max(0, rowAt(offsets, scrollTop) - overscan);
  let last = Math.min(count, rowAt(offsets, scrollTop + viewportHeight) + 1 + overscan);
  if (keep !== null && keep !== undefined && keep >= 0 && keep < count) {
    first = Math.min(first, keep);
    last = Math.max(last, keep + 1);
  }
  return { first, last };
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
