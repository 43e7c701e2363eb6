import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/helpers/engine-harness';
import { checkPattern, confinePath, isInside, PathRefusedError } from './confine';

let root: string;
let outside: string;

beforeAll(() => {
  const base = fs.realpathSync(tempDataDir());
  root = path.join(base, 'ws');
  outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'src/deep'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'src/a.ts'), 'a');
  fs.writeFileSync(path.join(outside, 'secret'), 'secret');
  fs.symlinkSync(outside, path.join(root, 'out-dir'));
  fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'out-file'));
  fs.symlinkSync('src', path.join(root, 'in-dir'));
  fs.symlinkSync(path.join(outside, 'missing'), path.join(root, 'dangling'));
  fs.symlinkSync('../../..', path.join(root, 'src/deep/up'));
  fs.writeFileSync(path.join(root, '.git'), `gitdir: ${outside}\n`);
});

async function refusal(input: string, write = false): Promise<string> {
  const error = await confinePath({ root, input, write }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PathRefusedError);
  return (error as Error).message;
}

describe('confinePath', () => {
  it('resolves plain relative paths, existing or not, inside the root', async () => {
    expect(await confinePath({ root, input: 'src/a.ts', write: false })).toEqual({ absolute: path.join(root, 'src/a.ts'), relative: 'src/a.ts' });
    expect(await confinePath({ root, input: 'src/new/file.ts', write: true })).toEqual({
      absolute: path.join(root, 'src/new/file.ts'),
      relative: 'src/new/file.ts',
    });
    expect(await confinePath({ root, input: '', write: false })).toEqual({ absolute: root, relative: '.' });
    expect(await confinePath({ root, input: './src/../src/a.ts', write: false })).toMatchObject({ relative: 'src/a.ts' });
  });

  it('refuses climbing out with ..', async () => {
    expect(await refusal('../../etc/passwd')).toContain('leads outside the workspace');
    expect(await refusal('src/../../outside/secret')).toContain('outside');
    expect(await refusal('..')).toContain('outside');
  });

  it('refuses absolute paths, even ones inside the root', async () => {
    expect(await refusal('/etc/passwd')).toContain('absolute paths are not allowed');
    expect(await refusal(path.join(root, 'src/a.ts'))).toContain('absolute');
    expect(await refusal('~/x')).toContain('absolute');
  });

  it('refuses a symlink inside the workspace that points out, to a file or through a directory', async () => {
    expect(await refusal('out-file')).toContain('symbolic link that points outside');
    expect(await refusal('out-dir/secret')).toContain('symbolic link that points outside');
    // A symlinked parent directory, for a file that does not exist yet (a write).
    expect(await refusal('out-dir/new-file', true)).toContain('points outside');
    expect(await refusal('src/deep/up/outside/secret')).toContain('points outside');
  });

  it('refuses a dangling symlink, which a write would follow anywhere', async () => {
    expect(await refusal('dangling', true)).toContain('target does not exist');
    expect(await refusal('dangling/x', true)).toContain('target does not exist');
  });

  it('accepts a symlink that stays inside, resolved to its target', async () => {
    expect(await confinePath({ root, input: 'in-dir/a.ts', write: true })).toEqual({ absolute: path.join(root, 'src/a.ts'), relative: 'src/a.ts' });
  });

  it('refuses writes to the .git entry and any .git component, in any case', async () => {
    expect(await refusal('.git', true)).toContain('.git entry belongs to git');
    expect(await refusal('.git/config', true)).toContain('.git');
    expect(await refusal('sub/.GIT/hooks/pre-commit', true)).toContain('.git');
    // Reading the pointer file is harmless.
    expect((await confinePath({ root, input: '.git', write: false })).relative).toBe('.git');
  });

  it('refuses NUL bytes', async () => {
    expect(await refusal('src/a.ts\0.png')).toContain('NUL');
  });

  it('never resolves a random path outside the root (fuzz)', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '',
        'src',
        'deep',
        'a.ts',
        'out-dir',
        'out-file',
        'in-dir',
        'dangling',
        'up',
        '.git',
        '~',
        'secret',
        'outside',
        '%2e%2e',
        '..\\..',
      ),
      fc.string({ maxLength: 6 }),
    );
    const input = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 8 })).map(([abs, parts]) => (abs ? '/' : '') + parts.join('/'));
    await fc.assert(
      fc.asyncProperty(input, fc.boolean(), async (candidate, write) => {
        let result: { absolute: string } | null = null;
        try {
          result = await confinePath({ root, input: candidate, write });
        } catch (error) {
          expect(error).toBeInstanceOf(PathRefusedError);
          return;
        }
        expect(isInside(root, result.absolute)).toBe(true);
        // Where the path really leads, after every symlink of its existing part, is inside too.
        let existing = result.absolute;
        while (!fs.existsSync(existing)) existing = path.dirname(existing);
        expect(isInside(root, fs.realpathSync(existing))).toBe(true);
        if (write) expect(path.relative(root, result.absolute).split('/')).not.toContain('.git');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('checkPattern', () => {
  it('refuses patterns that climb or start at /', () => {
    expect(checkPattern('src/**/*.ts')).toBeNull();
    expect(checkPattern('../**')).toContain('..');
    expect(checkPattern('{..,src}/x')).toContain('..');
    expect(checkPattern('/etc/*')).toContain('absolute');
  });
});
