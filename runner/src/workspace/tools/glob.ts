import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { checkPattern, isGitPath, isInside } from '../confine';
import { parseInput, ToolInputError } from './common';

const Input = z.strictObject({ pattern: z.string().min(1).max(1000) });
export const GLOB_MAX_MATCHES = 1000;
/** Most directory entries one walk reads: the walk stops there (the step's signal also stops it). */
export const WALK_LIMIT = 200_000;

/**
 * Files of the workspace matching `pattern` (relative, sorted). Symlinked directories are not
 * walked (`followSymbolicLinks: false`), patterns cannot climb (`checkPattern`), `.git` is left
 * out, and every result is checked to lie inside the root. The walk stops after `WALK_LIMIT`
 * directory entries (`truncated`).
 */
export async function findFiles({
  root,
  pattern,
  signal,
}: {
  root: string;
  pattern: string;
  signal?: AbortSignal;
}): Promise<{ files: string[]; truncated: boolean }> {
  const problem = checkPattern(pattern);
  if (problem) throw new ToolInputError(`pattern ${JSON.stringify(pattern)} refused: ${problem}`);
  signal?.throwIfAborted();
  // Loaded at first use: runner start-up does not need it.
  const { glob } = await import('tinyglobby');
  const walk = new AbortController();
  const onAbort = () => walk.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let seen = 0;
  // Counts what the walk reads and stops it at the limit, rather than collecting everything and cutting afterwards.
  const readdir = ((dir: string, options: { withFileTypes: true }, callback: (error: NodeJS.ErrnoException | null, entries: fs.Dirent[]) => void) =>
    fs.readdir(dir, options, (error, entries) => {
      if (!error) {
        seen += entries.length;
        if (seen > WALK_LIMIT) walk.abort();
      }
      callback(error, entries);
    })) as typeof fs.readdir;
  let files: string[];
  try {
    files = await glob([pattern], {
      cwd: root,
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: false,
      expandDirectories: false,
      absolute: false,
      ignore: ['**/.git', '**/.git/**'],
      fs: { readdir },
      signal: walk.signal,
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  signal?.throwIfAborted();
  // Whatever the pattern made of it, nothing outside the root (or in .git) is reported.
  const inside = files.filter((file) => !file.split('/').includes('..') && isInside(root, path.resolve(root, file)) && !isGitPath(file));
  inside.sort();
  return { files: inside, truncated: walk.signal.aborted };
}

export async function globTool({ root, input, signal }: { root: string; input: unknown; signal?: AbortSignal }) {
  const args = parseInput(Input, input);
  const { files, truncated } = await findFiles({ root, pattern: args.pattern, ...(signal ? { signal } : {}) });
  return { matches: files.slice(0, GLOB_MAX_MATCHES), truncated: truncated || files.length > GLOB_MAX_MATCHES };
}
