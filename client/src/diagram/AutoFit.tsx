import { useReactFlow, useStore } from '@xyflow/react';
import { useEffect, type RefObject } from 'react';

const PADDING = 32;
/** Below this zoom text is unreadable: show the top of the workflow instead of all of it. */
const MIN_READABLE_ZOOM = 0.6;

/**
 * Node sizes are fixed per type, so the layout's bounds are known without
 * asking React Flow (and without waiting for it to measure anything). Fits
 * the diagram once the pane has a size, again when the structure changes, and
 * when the pane resizes, until the user pans or zooms (`userMoved`). A
 * workflow too tall to read when fitted starts at its top, full width.
 */
export function AutoFit({ layoutKey, width, height, userMoved }: { layoutKey: string; width: number; height: number; userMoved: RefObject<boolean> }) {
  const { setViewport } = useReactFlow();
  const viewWidth = useStore((s) => s.width);
  const viewHeight = useStore((s) => s.height);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new structure (`layoutKey`) gets fitted again even if the user had moved the old one.
  useEffect(() => {
    userMoved.current = false;
  }, [layoutKey, userMoved]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refit when the structure (`layoutKey`) changes, even when its bounds stay the same.
  useEffect(() => {
    if (viewWidth === 0 || viewHeight === 0 || width === 0 || userMoved.current) return;
    const fit = Math.min(1, (viewWidth - 2 * PADDING) / width, (viewHeight - 2 * PADDING) / height);
    if (fit >= MIN_READABLE_ZOOM) {
      void setViewport({ x: (viewWidth - width * fit) / 2, y: (viewHeight - height * fit) / 2, zoom: fit });
      return;
    }
    const zoom = Math.max(MIN_READABLE_ZOOM, Math.min(1, (viewWidth - 2 * PADDING) / width));
    void setViewport({ x: (viewWidth - width * zoom) / 2, y: PADDING, zoom });
  }, [viewWidth, viewHeight, layoutKey, width, height, setViewport, userMoved]);

  return null;
}
