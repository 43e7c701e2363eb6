import { z } from 'zod';
import { confinePath } from '../confine';
import { fileDiff, isBinary, parseInput, readFileChecked, ToolInputError, writeFileNoFollow } from './common';

const Input = z.strictObject({ path: z.string().min(1), oldText: z.string().min(1), newText: z.string(), replaceAll: z.boolean().optional() });

/** What the edit would do, without doing it: fails as the edit would (missing or ambiguous text). */
export async function planEdit({ root, input }: { root: string; input: unknown }) {
  const args = parseInput(Input, input);
  const target = await confinePath({ root, input: args.path, write: true });
  const bytes = await readFileChecked(target.absolute, target.relative);
  if (isBinary(bytes)) throw new ToolInputError(`${target.relative} is a binary file`);
  const before = bytes.toString('utf8');
  const parts = before.split(args.oldText);
  const count = parts.length - 1;
  if (count === 0) throw new ToolInputError(`oldText was not found in ${target.relative}; read the file and copy the text exactly`);
  if (count > 1 && !args.replaceAll) {
    throw new ToolInputError(`oldText occurs ${count} times in ${target.relative}; include more surrounding lines to make it unique, or set replaceAll`);
  }
  // split/join, not String.replace: `$&` and friends in newText stay literal.
  const after = parts.join(args.newText);
  return { ...target, before, after, replacements: count, diff: await fileDiff({ path: target.relative, before, after }) };
}

export async function editFileTool({ root, input }: { root: string; input: unknown }) {
  const plan = await planEdit({ root, input });
  await writeFileNoFollow(plan.absolute, plan.after);
  return { path: plan.relative, replacements: plan.replacements, diff: plan.diff };
}
