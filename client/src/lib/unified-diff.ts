/** A unified diff line's kind, for its colour. */
export type DiffLineKind = 'add' | 'del' | 'hunk' | 'meta' | 'context';

const FILE_HEADER = /^(diff --git |index |new file mode|deleted file mode|old mode|new mode|similarity index|rename |copy |GIT binary patch|Binary files )/;

/**
 * Each line's kind. Stateful because inside a hunk a removed line may itself start with `--- `
 * (and an added one with `+++ `): only outside hunks are those file headers.
 */
export function diffLineKinds(lines: readonly string[]): DiffLineKind[] {
  let inHunk = false;
  return lines.map((line) => {
    if (line.startsWith('@@')) {
      inHunk = true;
      return 'hunk';
    }
    if (line.startsWith('diff --git ')) {
      inHunk = false;
      return 'meta';
    }
    if (!inHunk && (line.startsWith('+++ ') || line.startsWith('--- ') || FILE_HEADER.test(line))) return 'meta';
    if (line.startsWith('+')) return 'add';
    if (line.startsWith('-')) return 'del';
    if (line.startsWith('\\')) return 'meta';
    return 'context';
  });
}

export const diffLines = (diff: string): string[] => diff.replace(/\n$/, '').split('\n');

/** Lines added and removed by a unified diff. */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const kind of diffLineKinds(diffLines(diff))) {
    if (kind === 'add') added++;
    else if (kind === 'del') removed++;
  }
  return { added, removed };
}
