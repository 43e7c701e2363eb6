import fs from 'node:fs';
import path from 'node:path';
import { git, type GitContext, type GitRun } from './git-command';
import type { GitLayout } from './provision-git';

/**
 * The runner's own git directory for looking at a clone: its config, index, `info/` and HEAD
 * (the base commit) are the runner's, and only the objects are read from the clone
 * (`GIT_OBJECT_DIRECTORY`). A `workspace:bash` command can write the clone's git directory:
 * `update-index --assume-unchanged` or `--skip-worktree`, `info/exclude`, `core.excludesFile`,
 * `core.trustctime`, filter drivers. Looked at through the clone's own files, those would hide a
 * change from the diff a person reviews and from the snapshot a resumed step is rebuilt from.
 * Only files the repository itself ignores (its `.gitignore` files, part of the diff when changed)
 * stay out.
 */
export async function createGitView({ ctx, layout, baseCommit, signal }: { ctx: GitContext; layout: GitLayout; baseCommit: string; signal?: AbortSignal }) {
  await fs.promises.rm(layout.viewDir, { recursive: true, force: true });
  const base = { ctx, ...(signal ? { signal } : {}), failCode: 'workspace_clone_failed' };
  await git({ ...base, args: ['init', '-q', '--bare', '--template=', layout.viewDir] });
  await fs.promises.writeFile(path.join(layout.viewDir, 'HEAD'), `${baseCommit}\n`);
  // The fingerprint's index (see fingerprint.ts): the base commit, with stat data git adds itself.
  await viewGit({ ...base, layout, args: ['read-tree', baseCommit] });
}

/** Runs git on the clone's work tree through its view (`createGitView`). */
export function viewGit(run: Omit<GitRun, 'args' | 'env'> & { layout: GitLayout; args: readonly string[]; env?: Readonly<Record<string, string>> }) {
  const { layout, args, env, ...rest } = run;
  return git({
    ...rest,
    cwd: rest.cwd ?? layout.root,
    args: ['--git-dir', layout.viewDir, '--work-tree', layout.root, ...args],
    env: { GIT_OBJECT_DIRECTORY: path.join(layout.gitDir, 'objects'), ...env },
  });
}
