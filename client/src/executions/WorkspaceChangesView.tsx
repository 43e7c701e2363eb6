import { WorkspaceChanges } from '@weft/shared';
import { DiffStat, DiffView } from '../components/DiffView';

/** The `workspace` of a step output (an agent or bash step with a workspace), or null. */
export function workspaceChangesOf(output: unknown): WorkspaceChanges | null {
  if (typeof output !== 'object' || output === null) return null;
  const parsed = WorkspaceChanges.safeParse((output as { workspace?: unknown }).workspace);
  return parsed.success ? parsed.data : null;
}

/**
 * What a step changed in its workspace: the changed files, and the diff against the commit the
 * workspace started from, collapsed until opened. The server keeps at most 256 KiB of the diff;
 * past that it says so. Diff and paths are the agent's work: rendered as text only.
 */
export function WorkspaceChangesView({ changes }: { changes: WorkspaceChanges }) {
  const count = changes.changedFiles.length;
  return (
    <section className="workspace-changes" aria-label="Workspace changes">
      <p className="attempt__label">
        Workspace changes{' '}
        <span className="muted">
          · {count === 0 ? 'no files changed' : `${count} file${count === 1 ? '' : 's'} changed`}
          {changes.baseCommit !== null && <> since {changes.baseCommit.slice(0, 10)}</>}
        </span>
      </p>
      <p className="workspace-changes__key muted mono">{changes.key}</p>
      {count > 0 && (
        <ul className="workspace-changes__files" aria-label="Changed files">
          {changes.changedFiles.map((path) => (
            <li key={path} className="mono">
              {path}
            </li>
          ))}
        </ul>
      )}
      {changes.diff !== '' && (
        <details className="workspace-changes__diff">
          <summary className="workspace-changes__summary">
            Diff <DiffStat diff={changes.diff} />
          </summary>
          <DiffView diff={changes.diff} label="Workspace diff" />
        </details>
      )}
      {changes.diffTruncated && (
        <p className="workspace-changes__truncated muted" role="note">
          The diff is cut at 256 KiB: the files above are every change, the diff shows only the first part.
        </p>
      )}
    </section>
  );
}
