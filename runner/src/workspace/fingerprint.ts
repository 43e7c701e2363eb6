import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { GitContext } from './git-command';
import { viewGit } from './git-view';
import type { GitLayout } from './provision-git';

/**
 * A cheap token of a git workspace's state, to tell whether a snapshot would differ from the last
 * one without taking it: `git status` through the runner's view of the clone (git-view.ts: its own
 * index, read from the base commit, and HEAD at the base commit; untracked files listed) and, for
 * each path it lists, size and change times (a file changed again stays "modified" in the status).
 * Equal tokens mean the work tree is as it was; a change between the token and the snapshot only
 * makes the next token differ. The status may write the view's index (its stat data, so that the
 * next look hashes only what changed): that index is the runner's, never the one a command uses.
 */
export async function gitFingerprint({ ctx, layout, signal }: { ctx: GitContext; layout: GitLayout; signal?: AbortSignal | undefined }): Promise<string> {
  const status = await viewGit({
    ctx,
    layout,
    ...(signal ? { signal } : {}),
    failCode: 'workspace_diff_failed',
    args: ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--ignore-submodules=all', '--no-renames'],
  });
  const hash = createHash('sha256').update(status.stdout);
  for (const file of statusPaths(status.stdout.toString('utf8'))) {
    const stat = await fs.promises.lstat(path.join(layout.root, file), { bigint: true }).catch(() => null);
    hash.update(`\0${file}\0${stat ? `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}` : 'gone'}`);
  }
  return hash.digest('hex');
}

/** The paths `git status --porcelain=v2 -z` lists (changed, unmerged, untracked). */
export function statusPaths(output: string): string[] {
  const paths: string[] = [];
  for (const entry of output.split('\0')) {
    // "1 XY sub mH mI mW hH hI path", "u XY sub m1 m2 m3 mW h1 h2 h3 path", "? path"; "#" lines are headers.
    const fields = entry[0] === '1' ? 8 : entry[0] === 'u' ? 10 : entry[0] === '?' ? 1 : -1;
    if (fields < 0) continue;
    let at = 0;
    for (let i = 0; i < fields && at >= 0; i++) at = entry.indexOf(' ', at + 1);
    if (at > 0) paths.push(entry.slice(at + 1));
  }
  return paths;
}
