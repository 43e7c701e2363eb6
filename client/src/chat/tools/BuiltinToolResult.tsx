import './tools.css';
import { AskUserResult, BashToolResult, EditFileResult, GlobResult, GrepResult, ListResult, ReadFileResult, WriteFileResult } from '@weft/shared';
import type { ReactNode } from 'react';
import type { z } from 'zod';
import { DiffView } from '../../components/DiffView';
import { outputValue, tailLines } from './tool-call-facts';

/** Lines of a command's output shown before "full output". */
const TAIL_LINES = 30;
/** Entries of a list, glob or grep shown compactly. */
const LIST_ITEMS = 50;
/** Lines of a file excerpt shown compactly. */
const EXCERPT_LINES = 40;

/**
 * A built-in tool's result, compactly (docs/workspaces.md): a file excerpt with line
 * numbers, an edit's diff, an entry or match list, a command's exit code and output tail, a
 * question's answer (a failing command has the same shape, so errors get it too). Null when the
 * output does not have the tool's shape: the caller shows JSON. A plain function, not a component,
 * so the caller can tell "nothing to show" from an element.
 * Everything is hostile text from the workspace and renders as text nodes.
 */
export function builtinToolResult({ name, input, output }: { name: string; input: unknown; output: unknown }): ReactNode {
  const value = outputValue(output);
  switch (name) {
    case 'workspace:read_file': {
      const r = ReadFileResult.safeParse(value);
      return r.success ? <FileExcerpt result={r.data} /> : null;
    }
    case 'workspace:write_file': {
      const r = WriteFileResult.safeParse(value);
      if (!r.success) return null;
      return (
        <div className="tool-result">
          <p className="tool-result__line">
            {r.data.created ? 'Created' : 'Wrote'} <code>{r.data.path}</code> <span className="muted">({r.data.bytes.toLocaleString()} bytes)</span>
          </p>
          <DiffView diff={r.data.diff} maxLines={60} label={`Changes to ${r.data.path}`} />
        </div>
      );
    }
    case 'workspace:edit_file': {
      const r = EditFileResult.safeParse(value);
      if (!r.success) return null;
      return (
        <div className="tool-result">
          <p className="tool-result__line">
            Edited <code>{r.data.path}</code>{' '}
            <span className="muted">
              ({r.data.replacements} replacement{r.data.replacements === 1 ? '' : 's'})
            </span>
          </p>
          <DiffView diff={r.data.diff} maxLines={60} label={`Changes to ${r.data.path}`} />
        </div>
      );
    }
    case 'workspace:list': {
      const r = ListResult.safeParse(value);
      if (!r.success) return null;
      return (
        <ItemList
          label={`Entries of ${r.data.path || '.'}`}
          empty="The directory is empty."
          truncated={r.data.truncated}
          items={r.data.entries}
          renderItem={(e) => (
            <>
              <span className={`tool-entry tool-entry--${e.type}`}>{e.type === 'dir' ? `${e.name}/` : e.type === 'symlink' ? `${e.name} →` : e.name}</span>
              {e.size !== undefined && e.type === 'file' && <span className="muted"> {formatBytes(e.size)}</span>}
            </>
          )}
        />
      );
    }
    case 'workspace:glob': {
      const r = GlobResult.safeParse(value);
      if (!r.success) return null;
      return (
        <ItemList label="Matching paths" empty="No file matches." truncated={r.data.truncated} items={r.data.matches} renderItem={(m) => <code>{m}</code>} />
      );
    }
    case 'workspace:grep': {
      const r = GrepResult.safeParse(value);
      if (!r.success) return null;
      return (
        <ItemList
          label={`Matches in ${r.data.filesSearched} file${r.data.filesSearched === 1 ? '' : 's'} searched`}
          empty={`No match in ${r.data.filesSearched} file${r.data.filesSearched === 1 ? '' : 's'}.`}
          truncated={r.data.truncated}
          mono
          items={r.data.matches}
          renderItem={(m) => (
            <>
              <span className="tool-grep__where">
                {m.path}:{m.line}
              </span>{' '}
              {m.text}
            </>
          )}
        />
      );
    }
    case 'workspace:bash': {
      const r = BashToolResult.safeParse(value);
      return r.success ? <CommandOutput result={r.data} /> : null;
    }
    case 'agent:ask_user': {
      const r = AskUserResult.safeParse(value);
      if (!r.success) return null;
      const question = typeof (input as { question?: unknown } | null)?.question === 'string' ? (input as { question: string }).question : null;
      return (
        <div className="tool-result tool-qa">
          {question !== null && <p className="tool-qa__question">{question}</p>}
          <blockquote className="tool-qa__answer">{r.data.answer}</blockquote>
          <p className="muted tool-result__line">Answered by {r.data.answeredBy}</p>
        </div>
      );
    }
    default:
      return null;
  }
}

function FileExcerpt({ result }: { result: z.infer<typeof ReadFileResult> }) {
  const lines = result.content.replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, EXCERPT_LINES);
  const width = String(result.startLine + shown.length - 1).length;
  return (
    <figure className="tool-result" aria-label={`Excerpt of ${result.path}`}>
      <p className="tool-result__line">
        <code>{result.path}</code>{' '}
        <span className="muted">
          lines {result.startLine}–{result.endLine} of {result.totalLines}
          {result.truncated ? ' (cut)' : ''}
        </span>
      </p>
      <pre className="code-block tool-excerpt">
        {shown.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the file's lines in order; the position is the line number.
          <span key={i} className="tool-excerpt__line">
            <span className="tool-excerpt__number" aria-hidden="true">
              {String(result.startLine + i).padStart(width, ' ')}
            </span>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
      {shown.length < lines.length && <p className="muted tool-result__line">{lines.length - shown.length} more lines in the full result.</p>}
    </figure>
  );
}

function CommandOutput({ result }: { result: z.infer<typeof BashToolResult> }) {
  const ok = result.exitCode === 0 && !result.timedOut;
  const stdout = tailLines(result.stdoutTail, TAIL_LINES);
  const stderr = tailLines(result.stderrTail, TAIL_LINES);
  return (
    <div className="tool-result">
      <p className="tool-result__line">
        <span className={`chip ${ok ? 'chip--ok' : 'chip--danger'}`}>
          {result.timedOut ? 'Timed out' : result.exitCode === null ? 'Killed' : `Exit code ${result.exitCode}`}
        </span>
        {(result.truncated || stdout.omitted > 0 || stderr.omitted > 0) && <span className="muted"> showing the end of the output</span>}
      </p>
      {stdout.text !== '' && (
        <figure aria-label="Standard output">
          <pre className="code-block log-block log-block__stdout tool-output">{stdout.text}</pre>
        </figure>
      )}
      {stderr.text !== '' && (
        <figure aria-label="Standard error">
          <pre className="code-block log-block log-block__stderr tool-output">{stderr.text}</pre>
        </figure>
      )}
      {stdout.text === '' && stderr.text === '' && <p className="muted tool-result__line">No output.</p>}
    </div>
  );
}

function ItemList<T>({
  label,
  empty,
  items,
  renderItem,
  truncated,
  mono = false,
}: {
  label: string;
  empty: string;
  items: readonly T[];
  renderItem: (item: T) => ReactNode;
  truncated: boolean;
  mono?: boolean;
}) {
  if (items.length === 0) return <p className="muted tool-result__line">{empty}</p>;
  const shown = items.slice(0, LIST_ITEMS);
  const more = items.length - shown.length;
  return (
    <div className="tool-result">
      <ul className={`tool-list${mono ? ' tool-list--mono' : ''}`} aria-label={label}>
        {shown.map((item, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the result's order is fixed; the position is the item's identity.
          <li key={i}>{renderItem(item)}</li>
        ))}
      </ul>
      {(more > 0 || truncated) && (
        <p className="muted tool-result__line">
          {more > 0 ? `${more} more in the full result` : ''}
          {more > 0 && truncated ? '; ' : ''}
          {truncated ? 'the tool stopped at its limit' : ''}.
        </p>
      )}
    </div>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
