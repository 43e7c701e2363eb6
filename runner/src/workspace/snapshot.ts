import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceChanges } from '@weft/shared';
import type { GitContext } from './git-command';
import { viewGit } from './git-view';
import type { GitLayout } from './provision-git';
import type { Workspace, WorkspaceSnapshot, WorkspaceState } from './types';

/** The step output's cut (`WorkspaceChanges.diff`). */
export const OUTPUT_DIFF_CAP_BYTES = 256 * 1024;
/**
 * The cap on a `workspace.snapshot` diff, measured JSON-encoded as it goes on the wire (escapes make
 * control bytes 6× longer): beyond it the snapshot carries no diff. Within the protocol's 8 MiB and,
 * with the capped file list, well within the server's 16 MiB frame.
 */
export const SNAPSHOT_DIFF_CAP_BYTES = 8 * 1024 * 1024;
/** At most this many `changedFiles` in a snapshot or a step output; past it a marker entry says how many more. */
export const CHANGED_FILES_CAP = 10_000;
/** ...and at most this many bytes of them JSON-encoded. */
export const CHANGED_FILES_CAP_BYTES = 1024 * 1024;
/** The protocol's longest file name in `changedFiles`. */
const CHANGED_FILE_MAX_CHARS = 4096;

const DIFF_FLAGS = ['--binary', '--no-ext-diff', '--no-textconv', '--no-renames', '--no-color', '--src-prefix=a/', '--dst-prefix=b/'];

/**
 * A git workspace's changes against its base commit, untracked files included (files the
 * repository's `.gitignore` files ignore left out). Git looks through the runner's view of the clone
 * (git-view.ts), never the clone's own index or config, on a throw-away index (`GIT_INDEX_FILE`)
 * read from the base commit: `add -A`, then a diff against the base.
 */
export async function gitChanges({
  ctx,
  layout,
  baseCommit,
  scratchDir,
  signal,
}: {
  ctx: GitContext;
  layout: GitLayout;
  baseCommit: string;
  scratchDir: string;
  signal?: AbortSignal;
}): Promise<WorkspaceState> {
  const index = path.join(scratchDir, `index-${randomBytes(8).toString('hex')}`);
  const attributes = `${index}.attributes`;
  const base = { ctx, layout, env: { GIT_INDEX_FILE: index }, ...(signal ? { signal } : {}), failCode: 'workspace_diff_failed' };
  const run = (args: string[], config: string[] = []) => viewGit({ ...base, config, args });
  try {
    // A fresh index, no stat data: every file is hashed, so what is read is the work tree itself.
    // Slower on a large tree; the fingerprint (fingerprint.ts) keeps bash calls that change nothing cheap.
    await run(['read-tree', baseCommit]);
    await run(['add', '-A', '--', '.']);
    const names = await run(['diff', '--cached', '--name-only', '-z', '--no-renames', baseCommit, '--']);
    let diff = (await run(['diff', '--cached', ...DIFF_FLAGS, baseCommit, '--'])).stdout;
    let lossy = false;
    if (!isUtf8(diff)) {
      // A text file that is not UTF-8 would not survive the diff as a string: diff every file as
      // binary instead (base85, exact), through an attributes file of the runner's own.
      await fs.promises.writeFile(attributes, '* -diff\n');
      diff = (await run(['diff', '--cached', ...DIFF_FLAGS, baseCommit, '--'], [`core.attributesFile=${attributes}`])).stdout;
      // The repository's own .gitattributes can still force a text diff for some file.
      lossy = !isUtf8(diff);
    }
    return {
      changedFiles: names.stdout
        .toString('utf8')
        .split('\0')
        .filter((name) => name !== ''),
      diff: diff.toString('utf8'),
      ...(lossy ? { lossy: true } : {}),
    };
  } finally {
    await fs.promises.rm(index, { force: true });
    await fs.promises.rm(attributes, { force: true });
  }
}

/** `changedFiles` within `CHANGED_FILES_CAP` entries and `CHANGED_FILES_CAP_BYTES` encoded; a last entry counts the rest. */
export function capChangedFiles(files: readonly string[]): string[] {
  const kept: string[] = [];
  let bytes = 0;
  for (const file of files) {
    if (file.length > CHANGED_FILE_MAX_CHARS) continue;
    bytes += Buffer.byteLength(JSON.stringify(file)) + 1;
    if (kept.length >= CHANGED_FILES_CAP || bytes > CHANGED_FILES_CAP_BYTES) break;
    kept.push(file);
  }
  if (kept.length < files.length) kept.push(`(… ${files.length - kept.length} more changed files not listed)`);
  return kept;
}

/** What a step output carries: the diff cut at 256 KiB (on a line boundary when there is one). */
export function toWorkspaceChanges({ key, baseCommit, state }: { key: string; baseCommit: string | null; state: WorkspaceState }): WorkspaceChanges {
  const changedFiles = capChangedFiles(state.changedFiles);
  const bytes = Buffer.byteLength(state.diff);
  if (bytes <= OUTPUT_DIFF_CAP_BYTES) return { key, baseCommit, changedFiles, diff: state.diff, diffTruncated: false };
  const head = Buffer.from(state.diff).subarray(0, OUTPUT_DIFF_CAP_BYTES).toString('utf8');
  const lastLine = head.lastIndexOf('\n');
  return { key, baseCommit, changedFiles, diff: lastLine > 0 ? head.slice(0, lastLine + 1) : head, diffTruncated: true };
}

/**
 * One look at a workspace for both uses after a step or a mutating call: the `workspace.snapshot`
 * body (full diff; null when over `SNAPSHOT_DIFF_CAP_BYTES` encoded or not exact) and the step
 * output's `WorkspaceChanges` (cut at 256 KiB). A look that fails (git output over its cap, a
 * broken clone) does not fail the step: the step log says so, and the snapshot carries no diff, so
 * a new lease does not rebuild from an older one as if it were current. Only cancellation throws.
 */
export async function reportWorkspace(workspace: Workspace): Promise<{ snapshot: WorkspaceSnapshot; changes: WorkspaceChanges }> {
  const log = workspace.log ?? (() => {});
  let state: WorkspaceState;
  try {
    state = await workspace.changes();
  } catch (error) {
    if (workspace.signal?.aborted) throw error;
    log(
      'stderr',
      `workspace: could not record its changes (${error instanceof Error ? error.message : String(error)}); it cannot be rebuilt past this point\n`,
    );
    state = { changedFiles: [], diff: '', lossy: true };
  }
  const fits = state.lossy !== true && Buffer.byteLength(JSON.stringify(state.diff)) <= SNAPSHOT_DIFF_CAP_BYTES;
  if (!fits && state.diff !== '') {
    log('stderr', 'workspace: its changes are too large to record (over 8 MiB encoded, or not exact); it cannot be rebuilt past this point\n');
  }
  return {
    snapshot: { key: workspace.key, baseCommit: workspace.baseCommit, changedFiles: capChangedFiles(state.changedFiles), diff: fits ? state.diff : null },
    changes: toWorkspaceChanges({ key: workspace.key, baseCommit: workspace.baseCommit, state }),
  };
}
