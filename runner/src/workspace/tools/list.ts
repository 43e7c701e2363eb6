import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { confinePath } from '../confine';
import { parseInput, ToolInputError } from './common';

const Input = z.strictObject({ path: z.string().optional() });
export const LIST_MAX_ENTRIES = 1000;

export async function listTool({ root, input }: { root: string; input: unknown }) {
  const args = parseInput(Input, input);
  const target = await confinePath({ root, input: args.path ?? '', write: false });
  const stat = await fs.promises.stat(target.absolute).catch(() => null);
  if (!stat) throw new ToolInputError(`${target.relative} does not exist`);
  if (!stat.isDirectory()) throw new ToolInputError(`${target.relative} is not a directory`);
  const dirents = (await fs.promises.readdir(target.absolute, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shown = dirents.slice(0, LIST_MAX_ENTRIES);
  const entries = await Promise.all(
    shown.map(async (dirent) => {
      const type = dirent.isSymbolicLink() ? 'symlink' : dirent.isDirectory() ? 'dir' : dirent.isFile() ? 'file' : 'other';
      if (type !== 'file') return { name: dirent.name, type } as const;
      const size = (await fs.promises.lstat(path.join(target.absolute, dirent.name)).catch(() => null))?.size;
      return size === undefined ? ({ name: dirent.name, type } as const) : ({ name: dirent.name, type, size } as const);
    }),
  );
  return { path: target.relative, entries, truncated: dirents.length > shown.length };
}
