import { type RefObject, useCallback, useLayoutEffect, useRef, useState } from 'react';

/** A scroll box's position and height; `height` null until it is measured (the caller windows to its CSS max-height). */
export type ScrollViewport = { top: number; height: number | null };

/**
 * The scroll position of a windowed list (the step trace, the timeline's lanes), read on its scroll
 * events and whenever the box resizes. `top` is measured from below the box's top padding, where
 * the rows' offsets start. `attached` changes when the element comes and goes (rendered only with
 * rows), so the observer follows the element that is there.
 */
export function useScrollViewport(ref: RefObject<HTMLElement | null>, attached: unknown = true) {
  const [viewport, setViewport] = useState<ScrollViewport>({ top: 0, height: null });
  const padding = useRef(0);
  const onScroll = useCallback(() => {
    const box = ref.current;
    if (box === null) return;
    const next = { top: Math.max(0, box.scrollTop - padding.current), height: box.clientHeight };
    setViewport((current) => (current.top === next.top && current.height === next.height ? current : next));
  }, [ref]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attached` is the element coming and going, which the ref cannot signal.
  useLayoutEffect(() => {
    const box = ref.current;
    if (box === null) return;
    padding.current = Number.parseFloat(getComputedStyle(box).paddingTop) || 0;
    onScroll();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => onScroll());
    observer.observe(box);
    return () => observer.disconnect();
  }, [ref, onScroll, attached]);

  /** Scrolls the box to show offset `top` and records it now, for the render that follows. */
  const scrollTo = useCallback(
    (top: number) => {
      const box = ref.current;
      if (box === null) return;
      box.scrollTop = top + padding.current;
      setViewport((current) => ({ ...current, top }));
    },
    [ref],
  );

  return { viewport, onScroll, scrollTo };
}
