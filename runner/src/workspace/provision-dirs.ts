import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_WORKSPACE_NAME_PATTERN } from '@weft/shared';
import { isInside } from './confine';
import { WorkspaceError } from './types';

/** WEFT_WORKSPACE_ROOTS: colon-separated absolute directories (empty: none). */
export function parseWorkspaceRoots(text: string): { roots: string[]; problems: string[] } {
  const roots: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(':')) {
    const item = raw.trim();
    if (item === '') continue;
    if (!path.isAbsolute(item)) problems.push(`"${item}" is not an absolute directory`);
    else if (path.resolve(item) === '/') problems.push('"/" would allow every directory of the machine');
    else roots.push(path.resolve(item));
  }
  return { roots, problems };
}

/**
 * The real path of `dir` when it is an existing directory under one of `roots` (compared by real
 * path, so a symlink inside a root pointing elsewhere does not qualify), else a refusal naming the
 * setting. `what` names the thing in messages ("path", "git url").
 */
export async function resolveUnderRoots({ roots, dir, what }: { roots: readonly string[]; dir: string; what: string }): Promise<string> {
  if (roots.length === 0) {
    throw new WorkspaceError(
      `${what} ${JSON.stringify(dir)} refused: this runner allows no local directories (set WEFT_WORKSPACE_ROOTS on the runner)`,
      'workspace_path_not_allowed',
    );
  }
  if (!path.isAbsolute(dir)) throw new WorkspaceError(`${what} ${JSON.stringify(dir)} refused: it must be an absolute path`, 'workspace_path_not_allowed');
  let real: string;
  try {
    real = await fs.promises.realpath(dir);
  } catch {
    throw new WorkspaceError(`${what} ${JSON.stringify(dir)} does not exist on this runner`, 'workspace_path_missing');
  }
  const realRoots = await Promise.all(roots.map((root) => fs.promises.realpath(root).catch(() => null)));
  if (!realRoots.some((root) => root !== null && isInside(root, real))) {
    throw new WorkspaceError(
      `${what} ${JSON.stringify(dir)} refused: it is not under a directory of WEFT_WORKSPACE_ROOTS (${roots.join(':')})`,
      'workspace_path_not_allowed',
    );
  }
  const stat = await fs.promises.stat(real);
  if (!stat.isDirectory()) throw new WorkspaceError(`${what} ${JSON.stringify(dir)} is not a directory`, 'workspace_path_missing');
  return real;
}

/** `<sharedRoot>/<workflowId>/<name>`, created on first use; kept across executions of the workflow. */
export async function sharedWorkspaceDir({ sharedRoot, workflowId, name }: { sharedRoot: string; workflowId: string; name: string }): Promise<string> {
  if (!SHARED_WORKSPACE_NAME_PATTERN.test(name)) throw new WorkspaceError(`shared workspace name ${JSON.stringify(name)} is not valid`, 'workspace_invalid');
  const dir = path.join(sharedRoot, dirNameFor(workflowId), name);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  return fs.promises.realpath(dir);
}

/** A workflow id as a directory name: itself when plain, else a hash (ids come from the server, but a directory name must never climb). */
function dirNameFor(id: string): string {
  if (/^[A-Za-z0-9_-]{1,100}$/.test(id)) return id;
  return `h-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}
