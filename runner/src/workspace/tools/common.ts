import fs from 'node:fs';
import type { z } from 'zod';
import type { StepEnvironment } from '../../steps/bash';
import { PathRefusedError } from '../confine';
import type { ToolCallResult, Workspace, WorkspaceLog } from '../types';

/** Largest file the file tools read or write whole. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Cap on a diff shown in a result or a preview (the shared `AskPreview.diff` limit). */
export const MAX_DIFF_CHARS = 100_000;

export type ToolRun = {
  workspace: Workspace;
  environment: StepEnvironment;
  extraEnv: Readonly<Record<string, string>>;
  signal: AbortSignal;
  log: WorkspaceLog;
};

/** An expected failure the agent should read (bad argument, missing file, ambiguous edit): an `isError` result. */
export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';
}

export function ok(output: unknown, mutated = false): ToolCallResult {
  return { output, isError: false, mutated };
}

/** Refusals and expected failures become an error result naming the problem; anything else is a bug and throws. */
export function failure(error: unknown, mutated = false): ToolCallResult | null {
  if (error instanceof PathRefusedError || error instanceof ToolInputError) return { output: { error: error.message }, isError: true, mutated };
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { output: { error: `${(error as Error).message}` }, isError: true, mutated };
  return null;
}

/** Parses a tool's input; a mismatch names the field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'input';
  throw new ToolInputError(`${field}: ${issue?.message ?? 'invalid'}`);
}

/** NUL in the first 8000 bytes: git's own test for binary content. */
export function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/** Reads a regular file (not following a final symlink out: the path was confined) within `MAX_FILE_BYTES`. */
export async function readFileChecked(absolute: string, shown: string): Promise<Buffer> {
  const stat = await fs.promises.stat(absolute).catch(() => null);
  if (!stat) throw new ToolInputError(`${shown} does not exist`);
  if (!stat.isFile()) throw new ToolInputError(`${shown} is not a file`);
  if (stat.size > MAX_FILE_BYTES) throw new ToolInputError(`${shown} is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} the file tools handle`);
  return fs.promises.readFile(absolute);
}

/**
 * Writes without following a symlink at the final component (`O_NOFOLLOW`): the confinement check
 * judged the path as it was, and a link planted there since must not redirect the write.
 */
export async function writeFileNoFollow(absolute: string, content: string): Promise<void> {
  const handle = await fs.promises.open(absolute, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

/** Past this size on either side the diff is not computed at all (jsdiff runs on the runner's only thread). */
export const DIFF_MAX_INPUT_BYTES = 256 * 1024;
/** Past this many lines on either side, likewise. */
export const DIFF_MAX_INPUT_LINES = 5000;
/** jsdiff gives up past this many milliseconds or edits (worst case O(N·D)), so no diff blocks the event loop for long. */
const DIFF_TIMEOUT_MS = 500;
const DIFF_MAX_EDIT_LENGTH = 5000;

function lineCount(text: string): number {
  if (text === '') return 0;
  let count = 1;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++;
  return text.endsWith('\n') ? count - 1 : count;
}

/**
 * A unified diff of one file's change, capped for results and previews (at most `MAX_DIFF_CHARS`,
 * marker included). Large inputs, or a diff jsdiff cannot finish within its time and edit bounds,
 * give a one-line "too large" note instead. jsdiff loads at first use (runner start-up stays lean).
 */
export async function fileDiff({ path, before, after }: { path: string; before: string | null; after: string }): Promise<string> {
  const old = before ?? '';
  const oldLines = lineCount(old);
  const newLines = lineCount(after);
  const tooLarge = `(diff too large to show: ${oldLines} → ${newLines} lines, ${Buffer.byteLength(old)} → ${Buffer.byteLength(after)} bytes)\n`;
  if (old.length > DIFF_MAX_INPUT_BYTES || after.length > DIFF_MAX_INPUT_BYTES || oldLines > DIFF_MAX_INPUT_LINES || newLines > DIFF_MAX_INPUT_LINES) {
    return tooLarge;
  }
  const { createTwoFilesPatch } = await import('diff');
  const patch = createTwoFilesPatch(before === null ? '/dev/null' : `a/${path}`, `b/${path}`, old, after, undefined, undefined, {
    context: 3,
    timeout: DIFF_TIMEOUT_MS,
    maxEditLength: DIFF_MAX_EDIT_LENGTH,
  });
  if (patch === undefined) return tooLarge;
  // The first line is jsdiff's "====" banner.
  const body = patch.startsWith('=') ? patch.slice(patch.indexOf('\n') + 1) : patch;
  return capText(body, MAX_DIFF_CHARS, (limit) => `\n… diff cut at ${limit} characters\n`);
}

/** `text` within `max` characters, the marker included when it is cut. */
export function capText(text: string, max: number, marker: (limit: number) => string): string {
  if (text.length <= max) return text;
  const note = marker(max);
  return `${text.slice(0, Math.max(0, max - note.length))}${note}`;
}
