import fs from 'node:fs';
import path from 'node:path';

/** A path argument refused because it would leave the workspace (or touch `.git`); the agent sees the message. */
export class PathRefusedError extends Error {
  override readonly name = 'PathRefusedError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`path ${JSON.stringify(input.length > 300 ? `${input.slice(0, 300)}…` : input)} refused: ${reason}`);
  }
}

export type ConfinedPath = {
  /** Where to operate: the real path of the deepest existing ancestor plus the segments that do not exist yet. */
  absolute: string;
  /** Relative to the workspace root, `/`-separated; `.` for the root itself. */
  relative: string;
};

/** Whether `candidate` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

/**
 * Resolves a tool's path argument against the workspace root (`root` must be a real path). Refused:
 * absolute paths, NUL bytes, anything that normalizes above the root, any existing component that
 * is a symlink resolving outside the root (or dangling: a write would follow it), and with
 * `write`, any path with a `.git` component (git's own files, or the pointer to them).
 *
 * Resolution takes the realpath of the deepest existing ancestor, so a symlinked parent directory
 * is judged by where it really points. The check and the later file operation are not atomic: a
 * process running in the workspace at the same time (a `workspace:bash` command) could swap a
 * component in between; such a command can reach those files itself anyway.
 */
export async function confinePath({ root, input, write }: { root: string; input: string; write: boolean }): Promise<ConfinedPath> {
  if (typeof input !== 'string') throw new PathRefusedError(String(input), 'it is not a string');
  if (input.includes('\0')) throw new PathRefusedError(input, 'it contains a NUL character');
  if (input === '') return { absolute: root, relative: '.' };
  if (path.isAbsolute(input) || input.startsWith('~'))
    throw new PathRefusedError(input, 'absolute paths are not allowed; give a path relative to the workspace root');
  const joined = path.resolve(root, input);
  if (!isInside(root, joined)) throw new PathRefusedError(input, 'it leads outside the workspace');
  const lexical = path.relative(root, joined);
  if (write && isGitPath(lexical)) throw new PathRefusedError(input, 'the .git entry belongs to git and cannot be written');

  // Walk up to the deepest component that exists, then judge where it really is.
  const missing: string[] = [];
  let existing = joined;
  let real: string | null = null;
  for (;;) {
    try {
      real = await fs.promises.realpath(existing);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') {
        throw new PathRefusedError(input, `it cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      // A dangling symlink exists but has no real path: following it could create a file anywhere.
      const link = await fs.promises.lstat(existing).catch(() => null);
      if (link?.isSymbolicLink()) throw new PathRefusedError(input, 'it goes through a symbolic link whose target does not exist');
      if (existing === root) throw new PathRefusedError(input, 'the workspace root does not exist');
      missing.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  if (!isInside(root, real)) throw new PathRefusedError(input, 'it goes through a symbolic link that points outside the workspace');
  const absolute = missing.length === 0 ? real : path.join(real, ...missing);
  const relative = path.relative(root, absolute).split(path.sep).join('/') || '.';
  if (write && isGitPath(relative)) throw new PathRefusedError(input, 'the .git entry belongs to git and cannot be written');
  return { absolute, relative };
}

/** Any component named `.git` (case-insensitively, as on case-folding file systems). */
export function isGitPath(relative: string): boolean {
  return relative.split(/[\\/]/).some((segment) => segment.toLowerCase() === '.git');
}

/** A glob pattern may not climb out of the root or start at `/`; the glob library itself never follows symlinks out (see glob.ts). */
export function checkPattern(pattern: string): string | null {
  if (pattern.includes('\0')) return 'it contains a NUL character';
  if (pattern.startsWith('/') || pattern.startsWith('~')) return 'absolute patterns are not allowed';
  // Anywhere, not only as a whole segment: braces and extglobs can make a segment of ".." too.
  if (pattern.includes('..')) return 'patterns may not contain ".."';
  return null;
}
