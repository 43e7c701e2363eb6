import { z } from 'zod';
import { confinePath } from '../confine';
import { isBinary, parseInput, readFileChecked, ToolInputError } from './common';

const Input = z.strictObject({
  path: z.string(),
  startLine: z.number().int().min(1).optional(),
  maxLines: z.number().int().min(1).max(5000).optional(),
});

const DEFAULT_MAX_LINES = 2000;
/** Cap on the returned content: a few long lines must not flood the model's context. */
export const READ_MAX_CHARS = 100_000;

export async function readFileTool({ root, input }: { root: string; input: unknown }) {
  const args = parseInput(Input, input);
  const target = await confinePath({ root, input: args.path, write: false });
  const bytes = await readFileChecked(target.absolute, target.relative);
  if (isBinary(bytes)) throw new ToolInputError(`${target.relative} is a binary file (${bytes.length} bytes)`);
  const lines = bytes.toString('utf8').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const startLine = args.startLine ?? 1;
  const maxLines = args.maxLines ?? DEFAULT_MAX_LINES;
  const slice = lines.slice(startLine - 1, startLine - 1 + maxLines);
  let content = slice.join('\n');
  let truncated = startLine - 1 + slice.length < lines.length;
  let endLine = startLine - 1 + slice.length;
  if (content.length > READ_MAX_CHARS) {
    content = content.slice(0, READ_MAX_CHARS);
    endLine = startLine + content.split('\n').length - 1;
    truncated = true;
  }
  return { path: target.relative, content, startLine, endLine, totalLines: lines.length, truncated };
}
