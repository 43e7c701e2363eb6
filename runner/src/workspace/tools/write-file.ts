import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { confinePath } from '../confine';
import { fileDiff, isBinary, MAX_FILE_BYTES, parseInput, readFileChecked, ToolInputError, writeFileNoFollow } from './common';

const Input = z.strictObject({ path: z.string().min(1), content: z.string() });

type Plan = { absolute: string; relative: string; before: string | null; after: string; diff: string };

/** What the write would do, without doing it (the preview shows this diff). */
export async function planWrite({ root, input }: { root: string; input: unknown }): Promise<Plan> {
  const args = parseInput(Input, input);
  if (Buffer.byteLength(args.content) > MAX_FILE_BYTES) throw new ToolInputError(`content: more than ${MAX_FILE_BYTES} bytes`);
  const target = await confinePath({ root, input: args.path, write: true });
  const stat = await fs.promises.lstat(target.absolute).catch(() => null);
  if (stat?.isDirectory()) throw new ToolInputError(`${target.relative} is a directory`);
  let before: string | null = null;
  if (stat) {
    const bytes = await readFileChecked(target.absolute, target.relative);
    before = isBinary(bytes) ? '(binary content)\n' : bytes.toString('utf8');
  }
  return { ...target, before, after: args.content, diff: await fileDiff({ path: target.relative, before, after: args.content }) };
}

export async function writeFileTool({ root, input }: { root: string; input: unknown }) {
  const plan = await planWrite({ root, input });
  await fs.promises.mkdir(path.dirname(plan.absolute), { recursive: true });
  // The directories just created could not have been symlinks; confine again before writing anyway.
  await confinePath({ root, input: plan.relative, write: true });
  await writeFileNoFollow(plan.absolute, plan.after);
  return { path: plan.relative, bytes: Buffer.byteLength(plan.after), created: plan.before === null, diff: plan.diff };
}
