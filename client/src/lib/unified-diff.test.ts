import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLineKinds, diffLines, diffStat } from './unified-diff';

const DIFF = [
  'diff --git a/src/app.ts b/src/app.ts',
  'index 1a2b3c4..5d6e7f8 100644',
  '--- a/src/app.ts',
  '+++ b/src/app.ts',
  '@@ -1,4 +1,4 @@',
  ' import x from "y";',
  '--- a removed line that looks like a header',
  '+++ an added line that looks like a header',
  '-const a = 1;',
  '+const a = 2;',
  '\\ No newline at end of file',
  'diff --git a/new.txt b/new.txt',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/new.txt',
  '@@ -0,0 +1 @@',
  '+<img src=x onerror=alert(1)>',
].join('\n');

describe('unified diff lines', () => {
  it('tells file headers from hunk lines, even removed or added lines that look like headers', () => {
    expect(diffLineKinds(diffLines(DIFF))).toEqual([
      'meta',
      'meta',
      'meta',
      'meta',
      'hunk',
      'context',
      'del',
      'add',
      'del',
      'add',
      'meta',
      'meta',
      'meta',
      'meta',
      'meta',
      'hunk',
      'add',
    ]);
  });

  it('counts added and removed lines', () => {
    expect(diffStat(DIFF)).toEqual({ added: 3, removed: 2 });
    expect(diffStat('')).toEqual({ added: 0, removed: 0 });
  });

  it('classifies any text, one kind per line, without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 30 }), (lines) => {
        const kinds = diffLineKinds(lines);
        expect(kinds).toHaveLength(lines.length);
        const { added, removed } = diffStat(lines.join('\n'));
        expect(added + removed).toBeLessThanOrEqual(lines.length);
      }),
    );
  });
});
