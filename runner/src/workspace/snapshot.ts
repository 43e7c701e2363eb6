import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceChanges } from '@weft/shared';
import { git, type GitContext } from './git-command';
import type { GitLayout } from './provision-git';
import type { Workspace, WorkspaceSnapshot, WorkspaceState } from './types';

/** The step output's cut (`WorkspaceChanges.diff`). */
export const OUTPUT_DIFF_CAP_BYTES = 256 * 1024;
/** The protocol's cap on a `workspace.snapshot` diff: beyond it the snapshot carries no diff. */
export const SNAPSHOT_DIFF_CAP_BYTES = 8 * 1024 * 1024;

const DIFF_FLAGS = ['--binary', '--no-ext-diff', '--no-textconv', '--no-renames', '--no-color', '--src-prefix=a/', '--dst-prefix=b/'];

/**
 * A git workspace's changes against its base commit, untracked files included (ignored ones not),
 * without touching the index a `workspace:bash` command may be using: git works on a throw-away
 * index (`GIT_INDEX_FILE`) seeded from the base commit, `add -A`, then diffs it against the base.
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
  const repo = ['--git-dir', layout.gitDir, '--work-tree', layout.root];
  const env = { GIT_INDEX_FILE: index };
  const attributes = `${index}.attributes`;
  const base = { ctx, env, cwd: layout.root, ...(signal ? { signal } : {}), failCode: 'workspace_diff_failed' };
  const run = (args: string[]) => git({ ...base, args: [...repo, ...args] });
  try {
    await run(['read-tree', baseCommit]);
    await run(['add', '-A', '--', '.']);
    const names = await run(['diff', '--cached', '--name-only', '-z', '--no-renames', baseCommit, '--']);
    let diff = (await run(['diff', '--cached', ...DIFF_FLAGS, baseCommit, '--'])).stdout;
    let lossy = false;
    if (!isUtf8(diff)) {
      // A text file that is not UTF-8 would not survive the diff as a string: diff every file as
      // binary instead (base85, exact), through an attributes file of the runner's own.
      await fs.promises.writeFile(attributes, '* -diff\n');
      diff = (await git({ ...base, args: [...repo, 'diff', '--cached', ...DIFF_FLAGS, baseCommit, '--'], config: [`core.attributesFile=${attributes}`] }))
        .stdout;
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

/** What a step output carries: the diff cut at 256 KiB (on a line boundary when there is one). */
export function toWorkspaceChanges({ key, baseCommit, state }: { key: string; baseCommit: string | null; state: WorkspaceState }): WorkspaceChanges {
  const bytes = Buffer.byteLength(state.diff);
  if (bytes <= OUTPUT_DIFF_CAP_BYTES) return { key, baseCommit, changedFiles: state.changedFiles, diff: state.diff, diffTruncated: false };
  const head = Buffer.from(state.diff).subarray(0, OUTPUT_DIFF_CAP_BYTES).toString('utf8');
  const lastLine = head.lastIndexOf('\n');
  return { key, baseCommit, changedFiles: state.changedFiles, diff: lastLine > 0 ? head.slice(0, lastLine + 1) : head, diffTruncated: true };
}

/**
 * One look at a workspace for both uses after a step or a mutating call: the `workspace.snapshot`
 * body (full diff, null past 8 MiB or when it could not be taken exactly) and the step output's `WorkspaceChanges` (cut at 256 KiB).
 */
export async function reportWorkspace(workspace: Workspace): Promise<{ snapshot: WorkspaceSnapshot; changes: WorkspaceChanges }> {
  const state = await workspace.changes();
  const fits = Buffer.byteLength(state.diff) <= SNAPSHOT_DIFF_CAP_BYTES && state.lossy !== true;
  return {
    snapshot: { key: workspace.key, baseCommit: workspace.baseCommit, changedFiles: state.changedFiles, diff: fits ? state.diff : null },
    changes: toWorkspaceChanges({ key: workspace.key, baseCommit: workspace.baseCommit, state }),
  };
}
