import './virtual-list.css';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { rowAt, rowOffsets } from '../lib/row-window';

export type VirtualListProps<T> = {
  items: readonly T[];
  getKey: (item: T) => string;
  /** Height before a row is measured. */
  estimateSize: (item: T) => number;
  renderItem: (item: T) => ReactNode;
  /** Rendered beyond the viewport, above and below, in pixels. */
  overscan?: number;
  /** Keeps the end in view while the reader is at the end (a chat). */
  followOutput?: boolean;
  /** Called when the reader scrolls near the top (load older items). */
  onNearTop?: () => void;
  /** Changing it jumps to the end and follows again (the reader just sent a message). */
  endToken?: number;
  /** Viewport height when the element reports none (jsdom, a hidden tab). */
  fallbackHeight?: number;
  className?: string;
  'aria-label'?: string;
  header?: ReactNode;
};

const AT_END_PX = 48;
const NEAR_TOP_PX = 300;

/** Index of the first row whose bottom is below `y`, or the last row when `y` is past the end. */
const firstBelow = (offsets: readonly number[], y: number) => Math.max(0, Math.min(rowAt(offsets, y), offsets.length - 2));

/**
 * Renders only the rows near the viewport, each measured once it is on screen (rows may be any
 * height and may grow, like a streaming reply). Keeps the end in view while the reader is there,
 * and otherwise keeps the first visible row still when rows above it change or older rows arrive.
 */
export function VirtualList<T>({
  items,
  getKey,
  estimateSize,
  renderItem,
  overscan = 800,
  followOutput = false,
  onNearTop,
  endToken = 0,
  fallbackHeight = 800,
  className,
  'aria-label': ariaLabel,
  header,
}: VirtualListProps<T>) {
  const scrollRef = useRef<HTMLElement>(null);
  const heights = useRef(new Map<string, number>());
  const [measured, setMeasured] = useState(0);
  const [viewport, setViewport] = useState({ top: 0, height: 0 });
  const atEnd = useRef(true);
  const anchor = useRef<{ key: string; delta: number } | null>(null);
  const frame = useRef<number | null>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const [headerHeight, setHeaderHeight] = useState(0);

  const keys = useMemo(() => items.map(getKey), [items, getKey]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `measured` is not read; it is bumped whenever a row height lands in the `heights` ref, which React cannot see.
  const offsets = useMemo(
    () =>
      rowOffsets(
        items.map((item, i) => heights.current.get(keys[i]!) ?? estimateSize(item)),
        headerHeight,
      ),
    [items, keys, estimateSize, measured, headerHeight],
  );
  const total = offsets[items.length] ?? 0;

  const height = viewport.height > 0 ? viewport.height : fallbackHeight;
  const start = items.length === 0 ? 0 : firstBelow(offsets, viewport.top - overscan);
  let end = start;
  while (end < items.length && (offsets[end] ?? 0) < viewport.top + height + overscan) end++;

  const rememberAnchor = useCallback(() => {
    const el = scrollRef.current;
    if (el === null || items.length === 0) return;
    const index = firstBelow(offsets, el.scrollTop);
    const key = keys[index];
    if (key !== undefined) anchor.current = { key, delta: (offsets[index] ?? 0) - el.scrollTop };
  }, [offsets, keys, items.length]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (el === null) return;
    atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_END_PX;
    rememberAnchor();
    if (frame.current === null) {
      frame.current = requestAnimationFrame(() => {
        frame.current = null;
        const current = scrollRef.current;
        if (current !== null) setViewport({ top: current.scrollTop, height: current.clientHeight });
      });
    }
    if (el.scrollTop < NEAR_TOP_PX) onNearTop?.();
  };

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const lastEndToken = useRef(endToken);
  if (lastEndToken.current !== endToken) {
    lastEndToken.current = endToken;
    atEnd.current = true;
  }

  // Measure what is on screen before the browser paints, then place the scroll position.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el === null) return;
    let changed = false;
    const headerNow = headerRef.current?.getBoundingClientRect().height ?? 0;
    if (headerNow > 0 && Math.abs(headerNow - headerHeight) > 0.5) setHeaderHeight(headerNow);
    for (const row of el.querySelectorAll<HTMLElement>('[data-row-key]')) {
      const size = row.getBoundingClientRect().height;
      const key = row.dataset.rowKey!;
      if (size > 0 && Math.abs((heights.current.get(key) ?? -1) - size) > 0.5) {
        heights.current.set(key, size);
        changed = true;
      }
    }
    if (changed) {
      setMeasured((n) => n + 1);
      return;
    }
    let top = el.scrollTop;
    if (followOutput && atEnd.current) {
      el.scrollTop = el.scrollHeight;
      // Where the end is, even where the element does no layout (jsdom): the window follows it.
      top = Math.max(el.scrollTop, total - (el.clientHeight > 0 ? el.clientHeight : fallbackHeight));
    } else if (anchor.current !== null) {
      const index = keys.indexOf(anchor.current.key);
      if (index !== -1) {
        const wanted = (offsets[index] ?? 0) - anchor.current.delta;
        if (Math.abs(el.scrollTop - wanted) > 1) el.scrollTop = wanted;
        top = el.scrollTop;
      }
    }
    if (el.clientHeight !== viewport.height || Math.abs(top - viewport.top) > 1) setViewport({ top, height: el.clientHeight });
  });

  // Rows that grow later (a streaming reply, an image) are measured again.
  useEffect(() => {
    const el = scrollRef.current;
    if (el === null || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      let changed = false;
      for (const entry of entries) {
        const target = entry.target as HTMLElement;
        const key = target.dataset.rowKey;
        const size = target.getBoundingClientRect().height;
        if (key === undefined)
          changed = true; // the viewport or the header
        else if (size > 0 && Math.abs((heights.current.get(key) ?? -1) - size) > 0.5) {
          heights.current.set(key, size);
          changed = true;
        }
      }
      if (changed) setMeasured((n) => n + 1);
    });
    const observeAll = () => {
      for (const row of el.querySelectorAll('[data-row-key]')) observer.observe(row);
      if (headerRef.current) observer.observe(headerRef.current);
      observer.observe(el);
    };
    observeAll();
    const mutations = new MutationObserver(observeAll);
    const inner = el.firstElementChild;
    if (inner) mutations.observe(inner, { childList: true });
    return () => {
      observer.disconnect();
      mutations.disconnect();
    };
  }, []);

  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll container; keyboard users scroll it once it has focus.
    <section ref={scrollRef} className={`vlist${className ? ` ${className}` : ''}`} onScroll={onScroll} tabIndex={0} aria-label={ariaLabel}>
      <div className="vlist__inner" style={{ height: total, position: 'relative' }}>
        {header !== undefined && (
          <div ref={headerRef} className="vlist__header">
            {header}
          </div>
        )}
        {items.slice(start, end).map((item, i) => {
          const index = start + i;
          const key = keys[index]!;
          return (
            <div key={key} data-row-key={key} className="vlist__row" style={{ position: 'absolute', top: offsets[index], left: 0, right: 0 }}>
              {renderItem(item)}
            </div>
          );
        })}
      </div>
    </section>
  );
}
