import './diff-view.css';
import { useState } from 'react';
import { diffLineKinds, diffLines, diffStat } from '../lib/unified-diff';

/**
 * A unified diff, coloured by line (+ added, - removed, @@ hunks, file headers). Diffs come from an
 * agent's workspace, so they are hostile text: every line is a text node, never markup. Long diffs
 * show their first `maxLines` lines until the person asks for the rest.
 */
export function DiffView({ diff, maxLines = 400, label = 'Diff' }: { diff: string; maxLines?: number; label?: string }) {
  const [all, setAll] = useState(false);
  const lines = diffLines(diff);
  const kinds = diffLineKinds(lines);
  const shown = all ? lines : lines.slice(0, maxLines);
  const { added, removed } = diffStat(diff);
  if (diff.trim() === '') return <p className="diff-view__empty muted">No changes.</p>;
  return (
    <figure className="diff-view" aria-label={`${label}: ${added} lines added, ${removed} removed`}>
      <pre className="code-block diff-view__lines">
        {shown.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines never move; the position is the line's identity.
          <span key={i} className={`diff-line diff-line--${kinds[i]}`}>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
      {shown.length < lines.length && (
        <button type="button" className="btn btn--ghost btn--small" onClick={() => setAll(true)}>
          Show {lines.length - shown.length} more lines
        </button>
      )}
    </figure>
  );
}

/** `+3 −1`, as a diff's size reads in a header. */
export function DiffStat({ diff }: { diff: string }) {
  const { added, removed } = diffStat(diff);
  return (
    <span className="diff-stat">
      <span className="diff-stat__add">+{added}</span> <span className="diff-stat__del">−{removed}</span>
    </span>
  );
}
