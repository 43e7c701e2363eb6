import { z } from 'zod';
import { checkPattern } from '../confine';
import { parseInput, ToolInputError } from './common';

const Input = z.strictObject({ pattern: z.string().min(1).max(1000) });
export const GLOB_MAX_MATCHES = 1000;
/** Most paths kept from one walk; the walk itself is not cut short (the step's signal aborts it). */
const WALK_LIMIT = 200_000;

/**
 * Files of the workspace matching `pattern` (relative, sorted). Symlinked directories are not
 * walked (`followSymbolicLinks: false`), patterns cannot climb (`checkPattern`), and `.git` is
 * left out.
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
  // Loaded at first use: runner start-up does not need it.
  const { glob } = await import('tinyglobby');
  const files = await glob([pattern], {
    cwd: root,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    expandDirectories: false,
    absolute: false,
    ignore: ['**/.git', '**/.git/**'],
    ...(signal ? { signal } : {}),
  });
  files.sort();
  return { files: files.slice(0, WALK_LIMIT), truncated: files.length > WALK_LIMIT };
}

export async function globTool({ root, input, signal }: { root: string; input: unknown; signal?: AbortSignal }) {
  const args = parseInput(Input, input);
  const { files, truncated } = await findFiles({ root, pattern: args.pattern, ...(signal ? { signal } : {}) });
  return { matches: files.slice(0, GLOB_MAX_MATCHES), truncated: truncated || files.length > GLOB_MAX_MATCHES };
}
