import type { CSSProperties } from 'react';

export function SkeletonLine({ width, height = 12 }: { width: CSSProperties['width']; height?: number }) {
  return <span className="skeleton skeleton--line" style={{ width, height }} aria-hidden="true" />;
}

/** Placeholder rows the same height as real list rows, so nothing jumps when data lands. */
export function SkeletonRows({ rows = 4, columns = 2, label }: { rows?: number; columns?: number; label: string }) {
  return (
    <ul className="list" aria-busy="true" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows that never reorder; the position is all they are.
        <li key={i} className="list__row">
          <div className="list__primary">
            <SkeletonLine width={`${40 + ((i * 17) % 30)}%`} height={14} />
            <SkeletonLine width={`${55 + ((i * 11) % 25)}%`} />
          </div>
          {Array.from({ length: columns }, (_, c) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells that never reorder; the position is all they are.
            <SkeletonLine key={c} width="70%" />
          ))}
        </li>
      ))}
    </ul>
  );
}
