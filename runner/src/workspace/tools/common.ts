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

/** A unified diff of one file's change, capped for results and previews. jsdiff loads at first use (runner start-up stays lean). */
export async function fileDiff({ path, before, after }: { path: string; before: string | null; after: string }): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const patch = createTwoFilesPatch(before === null ? '/dev/null' : `a/${path}`, `b/${path}`, before ?? '', after, undefined, undefined, { context: 3 });
  // The first line is jsdiff's "====" banner.
  const body = patch.startsWith('=') ? patch.slice(patch.indexOf('\n') + 1) : patch;
  return body.length > MAX_DIFF_CHARS ? `${body.slice(0, MAX_DIFF_CHARS)}\n… diff cut at ${MAX_DIFF_CHARS} characters\n` : body;
}
