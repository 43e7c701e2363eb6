import fs from 'node:fs';
import type { RE2JS } from 're2js';
import { z } from 'zod';
import { confinePath } from '../confine';
import { isBinary, parseInput, ToolInputError } from './common';
import { findFiles } from './glob';

const Input = z.strictObject({
  pattern: z.string().min(1).max(2000),
  glob: z.string().min(1).max(1000).optional(),
  ignoreCase: z.boolean().optional(),
  maxMatches: z.number().int().min(1).max(1000).optional(),
});

const DEFAULT_MAX_MATCHES = 100;
/** Files larger than this are skipped (generated or data files, not code to read). */
export const GREP_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** A matching line is shown up to this many characters. */
export const GREP_MAX_LINE_CHARS = 400;
const MAX_FILES = 20_000;

/**
 * Searches with RE2 (re2js, pure JS): matching time is linear in the input whatever the pattern,
 * so a catastrophic pattern from the model cannot hang the runner; backreferences and lookaround
 * are not supported (the compile error says so). No shell is involved.
 */
export async function grepTool({ root, input, signal }: { root: string; input: unknown; signal?: AbortSignal }) {
  const args = parseInput(Input, input);
  // Loaded at first use: runner start-up does not need it.
  const { RE2JS: Re2 } = await import('re2js');
  let regex: RE2JS;
  try {
    regex = Re2.compile(args.pattern, args.ignoreCase ? Re2.CASE_INSENSITIVE : 0);
  } catch (error) {
    throw new ToolInputError(`pattern: ${(error as Error).message} (RE2 syntax: no backreferences or lookaround)`);
  }
  const maxMatches = args.maxMatches ?? DEFAULT_MAX_MATCHES;
  const { files } = await findFiles({ root, pattern: args.glob ?? '**/*', ...(signal ? { signal } : {}) });
  const matches: { path: string; line: number; text: string }[] = [];
  let filesSearched = 0;
  let truncated = files.length > MAX_FILES;
  outer: for (const file of files.slice(0, MAX_FILES)) {
    signal?.throwIfAborted();
    // A file that is a symlink out of the workspace is skipped, not read.
    const target = await confinePath({ root, input: file, write: false }).catch(() => null);
    if (!target) continue;
    const stat = await fs.promises.stat(target.absolute).catch(() => null);
    if (!stat?.isFile() || stat.size > GREP_MAX_FILE_BYTES) continue;
    const bytes = await fs.promises.readFile(target.absolute).catch(() => null);
    if (!bytes || isBinary(bytes)) continue;
    filesSearched++;
    const lines = bytes.toString('utf8').split('\n');
    // The text after a final newline is no line.
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    for (let index = 0; index < lines.length; index++) {
      const line = (lines[index] ?? '').replace(/\r$/, '');
      if (!regex.test(line)) continue;
      if (matches.length >= maxMatches) {
        truncated = true;
        break outer;
      }
      matches.push({ path: file, line: index + 1, text: line.length > GREP_MAX_LINE_CHARS ? `${line.slice(0, GREP_MAX_LINE_CHARS)}…` : line });
    }
  }
  return { matches, filesSearched, truncated };
}
