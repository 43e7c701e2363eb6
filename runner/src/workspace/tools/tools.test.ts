import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/helpers/engine-harness';
import { writeFiles } from '../../../test/helpers/git-repo';
import { isAlive } from '../../../test/helpers/processes';
import { waitFor } from '../../../test/helpers/wait-for';
import { createWorkspaceTools } from './index';
import type { Workspace, WorkspaceTools } from '../types';
import { READ_MAX_CHARS } from './read-file';
import { BASH_TOOL_TAIL_BYTES } from './bash';

let root: string;
let outside: string;
let recorded: string[];
let tools: WorkspaceTools;
let logs: { stream: string; text: string }[];

function workspaceAt(dir: string): Workspace {
  return {
    key: `path:${dir}`,
    kind: 'path',
    root: dir,
    baseCommit: null,
    changes: async () => ({ changedFiles: recorded, diff: '' }),
    fingerprint: async () => JSON.stringify(recorded),
    snapshot: async () => ({ key: `path:${dir}`, baseCommit: null, changedFiles: recorded, diff: '' }),
    recordChange: (file) => recorded.push(file),
    release: () => {},
  };
}

beforeEach(() => {
  const base = fs.realpathSync(tempDataDir());
  root = path.join(base, 'ws');
  outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  writeFiles(root, {
    'src/app.ts': 'const a = 1;\nconst b = 2;\nconst a2 = 1;\n',
    'src/util.ts': 'export function twice(x: number) {\n  return x * 2;\n}\n',
    'README.md': '# Title\nSome TEXT here\n',
    'bin/data.bin': Buffer.from([1, 0, 2, 0]),
  });
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret token\n');
  fs.symlinkSync(outside, path.join(root, 'link-out'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));
  fs.writeFileSync(path.join(root, '.git'), 'gitdir: /nowhere\n');
  recorded = [];
  logs = [];
  tools = createWorkspaceTools({ workspace: workspaceAt(root), environment: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, allowBash: true });
});

async function call(name: string, input: unknown, signal = new AbortController().signal) {
  return tools.call(name, input, { signal, log: (stream, text) => logs.push({ stream, text }) });
}

async function refused(name: string, input: unknown): Promise<string> {
  const result = await call(name, input);
  expect(result.isError).toBe(true);
  expect(result.mutated).toBe(false);
  return (result.output as { error: string }).error;
}

describe('path escapes are refused and reported to the agent', () => {
  it.each([
    ['workspace:read_file', { path: '../../etc/passwd' }, 'leads outside the workspace'],
    ['workspace:read_file', { path: '/etc/passwd' }, 'absolute paths are not allowed'],
    ['workspace:read_file', { path: 'secret-link.txt' }, 'symbolic link that points outside'],
    ['workspace:read_file', { path: 'link-out/secret.txt' }, 'symbolic link that points outside'],
    ['workspace:write_file', { path: 'link-out/new.txt', content: 'x' }, 'points outside'],
    ['workspace:write_file', { path: 'secret-link.txt', content: 'x' }, 'points outside'],
    ['workspace:write_file', { path: '../escape.txt', content: 'x' }, 'outside the workspace'],
    ['workspace:write_file', { path: '.git', content: 'gitdir: /tmp/evil' }, '.git entry belongs to git'],
    ['workspace:write_file', { path: 'vendor/.git/config', content: '[core]' }, '.git'],
    ['workspace:edit_file', { path: 'link-out/secret.txt', oldText: 'top', newText: 'x' }, 'points outside'],
    ['workspace:list', { path: 'link-out' }, 'points outside'],
    ['workspace:list', { path: '..' }, 'outside the workspace'],
    ['workspace:glob', { pattern: '../**/*' }, 'may not contain ".."'],
    ['workspace:glob', { pattern: '/etc/*' }, 'absolute'],
    ['workspace:grep', { pattern: 'secret', glob: '../outside/*' }, 'may not contain ".."'],
  ])('%s %j', async (name, input, message) => {
    const error = await refused(name, input);
    expect(error).toContain(message);
    expect(error).toContain('refused');
  });

  it('leaves everything outside untouched', async () => {
    await call('workspace:write_file', { path: 'secret-link.txt', content: 'overwritten' });
    await call('workspace:write_file', { path: 'link-out/secret.txt', content: 'overwritten' });
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('top secret token\n');
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    expect(recorded).toEqual([]);
  });
});

describe('workspace:read_file', () => {
  it('reads a file or a range of its lines', async () => {
    expect((await call('workspace:read_file', { path: 'src/app.ts' })).output).toEqual({
      path: 'src/app.ts',
      content: 'const a = 1;\nconst b = 2;\nconst a2 = 1;',
      startLine: 1,
      endLine: 3,
      totalLines: 3,
      truncated: false,
    });
    expect((await call('workspace:read_file', { path: 'src/app.ts', startLine: 2, maxLines: 1 })).output).toMatchObject({
      content: 'const b = 2;',
      endLine: 2,
      truncated: true,
    });
  });

  it('caps what it returns', async () => {
    fs.writeFileSync(path.join(root, 'long.txt'), `${'x'.repeat(READ_MAX_CHARS * 2)}\n`);
    const output = (await call('workspace:read_file', { path: 'long.txt' })).output as { content: string; truncated: boolean };
    expect(output.content.length).toBe(READ_MAX_CHARS);
    expect(output.truncated).toBe(true);
  });

  it('reports missing files, directories, binary files and bad arguments', async () => {
    expect(await refused('workspace:read_file', { path: 'nope.ts' })).toBe('nope.ts does not exist');
    expect(await refused('workspace:read_file', { path: 'src' })).toBe('src is not a file');
    expect(await refused('workspace:read_file', { path: 'bin/data.bin' })).toContain('binary file');
    expect(await refused('workspace:read_file', { path: 'src/app.ts', maxLines: 0 })).toContain('maxLines');
    expect(await refused('workspace:read_file', {})).toContain('path');
  });
});

describe('workspace:write_file', () => {
  it('creates files and parent directories and returns the diff', async () => {
    const result = await call('workspace:write_file', { path: 'src/new/dir/file.ts', content: 'hello\n' });
    expect(result).toMatchObject({ isError: false, mutated: true, output: { path: 'src/new/dir/file.ts', bytes: 6, created: true } });
    expect((result.output as { diff: string }).diff).toContain('+hello');
    expect(fs.readFileSync(path.join(root, 'src/new/dir/file.ts'), 'utf8')).toBe('hello\n');
    expect(recorded).toEqual(['src/new/dir/file.ts']);
    const replaced = await call('workspace:write_file', { path: 'README.md', content: '# New\n' });
    expect(replaced.output).toMatchObject({ created: false });
    expect((replaced.output as { diff: string }).diff).toContain('-# Title');
  });
});

describe('workspace:edit_file', () => {
  it('replaces text that occurs exactly once, literally', async () => {
    const result = await call('workspace:edit_file', { path: 'src/util.ts', oldText: 'x * 2', newText: "x * 2 + '$&'" });
    expect(result).toMatchObject({ isError: false, mutated: true, output: { path: 'src/util.ts', replacements: 1 } });
    expect(fs.readFileSync(path.join(root, 'src/util.ts'), 'utf8')).toContain("return x * 2 + '$&';");
    expect((result.output as { diff: string }).diff).toContain("+  return x * 2 + '$&';");
  });

  it('fails on missing or ambiguous text, changing nothing', async () => {
    expect(await refused('workspace:edit_file', { path: 'src/app.ts', oldText: 'const c', newText: 'x' })).toContain('oldText was not found in src/app.ts');
    expect(await refused('workspace:edit_file', { path: 'src/app.ts', oldText: ' = 1;', newText: ' = 9;' })).toContain('occurs 2 times');
    expect(fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8')).toBe('const a = 1;\nconst b = 2;\nconst a2 = 1;\n');
    expect(await refused('workspace:edit_file', { path: 'missing.ts', oldText: 'a', newText: 'b' })).toContain('does not exist');
    expect(await refused('workspace:edit_file', { path: 'src/app.ts', oldText: '', newText: 'b' })).toContain('oldText');
  });

  it('replaces every occurrence with replaceAll', async () => {
    const result = await call('workspace:edit_file', { path: 'src/app.ts', oldText: ' = 1;', newText: ' = 9;', replaceAll: true });
    expect(result.output).toMatchObject({ replacements: 2 });
    expect(fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8')).toBe('const a = 9;\nconst b = 2;\nconst a2 = 9;\n');
  });
});

describe('workspace:list and workspace:glob', () => {
  it('lists a directory with types and sizes', async () => {
    const output = (await call('workspace:list', {})).output as { entries: { name: string; type: string; size?: number }[] };
    expect(output.entries).toEqual([
      { name: '.git', type: 'file', size: 17 },
      { name: 'README.md', type: 'file', size: 23 },
      { name: 'bin', type: 'dir' },
      { name: 'link-out', type: 'symlink' },
      { name: 'secret-link.txt', type: 'symlink' },
      { name: 'src', type: 'dir' },
    ]);
  });

  it('caps a long listing', async () => {
    fs.mkdirSync(path.join(root, 'many'));
    for (let i = 0; i < 1010; i++) fs.writeFileSync(path.join(root, 'many', `f${i}`), '');
    const output = (await call('workspace:list', { path: 'many' })).output as { entries: unknown[]; truncated: boolean };
    expect(output.entries).toHaveLength(1000);
    expect(output.truncated).toBe(true);
  });

  it('globs files, without .git and without walking symlinked directories out', async () => {
    fs.mkdirSync(path.join(root, 'sub/.git'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sub/.git/config'), '');
    expect((await call('workspace:glob', { pattern: 'src/**/*.ts' })).output).toEqual({ matches: ['src/app.ts', 'src/util.ts'], truncated: false });
    const all = (await call('workspace:glob', { pattern: '**/*' })).output as { matches: string[] };
    expect(all.matches.some((match) => match.includes('secret.txt') && match.startsWith('link-out'))).toBe(false);
    expect(all.matches.some((match) => match.includes('.git/'))).toBe(false);
  });
});

describe('workspace:grep', () => {
  it('finds lines with an RE2 pattern, optionally by glob and case-insensitively', async () => {
    expect((await call('workspace:grep', { pattern: 'const \\w+ = 1' })).output).toEqual({
      matches: [
        { path: 'src/app.ts', line: 1, text: 'const a = 1;' },
        { path: 'src/app.ts', line: 3, text: 'const a2 = 1;' },
      ],
      filesSearched: 3,
      truncated: false,
    });
    expect(((await call('workspace:grep', { pattern: 'text', ignoreCase: true, glob: '*.md' })).output as { matches: unknown[] }).matches).toEqual([
      { path: 'README.md', line: 2, text: 'Some TEXT here' },
    ]);
    expect(((await call('workspace:grep', { pattern: 'const', maxMatches: 2 })).output as { truncated: boolean }).truncated).toBe(true);
  });

  it('does not read through a symlink out of the workspace', async () => {
    expect(((await call('workspace:grep', { pattern: 'secret token' })).output as { matches: unknown[] }).matches).toEqual([]);
  });

  it('finishes a catastrophic pattern on a long line (linear time) and caps the line it shows', async () => {
    fs.writeFileSync(path.join(root, 'long.txt'), `${'a'.repeat(200_000)}!\n`);
    // Backtracking engines take exponential time to fail these on 200,000 a's followed by '!'.
    const result = await call('workspace:grep', { pattern: '(a+)+$', glob: 'long.txt' });
    expect(result).toMatchObject({ isError: false, output: { matches: [], filesSearched: 1 } });
    const shown = (await call('workspace:grep', { pattern: '(a+)+!', glob: 'long.txt' })).output as { matches: { text: string }[] };
    expect(shown.matches).toHaveLength(1);
    expect(shown.matches[0]?.text).toBe(`${'a'.repeat(400)}…`);
    const nested = await call('workspace:grep', { pattern: '^(a|aa)*$', glob: 'long.txt' });
    expect((nested.output as { matches: unknown[] }).matches).toEqual([]);
  });

  it('reports a pattern RE2 cannot take', async () => {
    expect(await refused('workspace:grep', { pattern: '(a)\\1' })).toContain('pattern:');
    expect(await refused('workspace:grep', { pattern: '(?=x)' })).toContain('no backreferences or lookaround');
  });
});

describe('workspace:bash', () => {
  it('runs in the workspace root with only the minimal environment, streaming into the log', async () => {
    process.env.WEFT_TEST_RUNNER_SECRET = 'do-not-leak';
    try {
      const result = await call('workspace:bash', { command: 'pwd; echo "secret=${WEFT_TEST_RUNNER_SECRET:-none}"; echo oops >&2; exit 3' });
      expect(result).toMatchObject({ isError: true, mutated: true, output: { exitCode: 3, stderrTail: 'oops\n', timedOut: false, truncated: false } });
      expect((result.output as { stdoutTail: string }).stdoutTail).toBe(`${root}\nsecret=none\n`);
      expect(logs).toContainEqual({ stream: 'stderr', text: 'oops\n' });
    } finally {
      delete process.env.WEFT_TEST_RUNNER_SECRET;
    }
  });

  it('keeps the tail of a long output', async () => {
    const result = await call('workspace:bash', { command: 'seq 1 20000' });
    const output = result.output as { stdoutTail: string; truncated: boolean };
    expect(output.truncated).toBe(true);
    expect(Buffer.byteLength(output.stdoutTail)).toBeLessThanOrEqual(BASH_TOOL_TAIL_BYTES);
    expect(output.stdoutTail.endsWith('19999\n20000\n')).toBe(true);
    expect(
      logs
        .map((entry) => entry.text)
        .join('')
        .startsWith('1\n2\n3\n'),
    ).toBe(true);
  });

  it('kills the whole process group at its timeout', async () => {
    const pidFile = path.join(root, 'child.pid');
    const result = await call('workspace:bash', { command: `sleep 60 & echo $! > ${pidFile}; wait`, timeoutSeconds: 1 });
    expect(result).toMatchObject({ isError: true, output: { timedOut: true, exitCode: null } });
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isAlive(pid), { message: 'the background child to be killed' });
  });

  it('kills the command when the step is aborted', async () => {
    const controller = new AbortController();
    const pidFile = path.join(root, 'abort.pid');
    const running = call('workspace:bash', { command: `echo $$ > ${pidFile}; sleep 60` }, controller.signal);
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '', { message: 'the command to start' });
    controller.abort(new Error('canceled'));
    await expect(running).rejects.toThrow('canceled');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isAlive(pid), { message: 'the command to be killed' });
  });

  it('is neither offered nor run when bash is not allowed', async () => {
    const locked = createWorkspaceTools({ workspace: workspaceAt(root), environment: {}, allowBash: false });
    expect(locked.tools.map((tool) => tool.name)).not.toContain('workspace:bash');
    expect(locked.tools.map((tool) => tool.name)).toContain('workspace:read_file');
    const result = await locked.call('workspace:bash', { command: `touch ${path.join(root, 'ran')}` }, { signal: new AbortController().signal, log: () => {} });
    expect(result.isError).toBe(true);
    expect(fs.existsSync(path.join(root, 'ran'))).toBe(false);
  });
});

describe('previews', () => {
  it('shows the diff an edit or a write would make without making it', async () => {
    const edit = await tools.preview('workspace:edit_file', { path: 'src/util.ts', oldText: 'x * 2', newText: 'x * 3' });
    expect(edit).toMatchObject({ workspace: `path:${root}`, path: 'src/util.ts' });
    expect(edit.diff).toContain('-  return x * 2;');
    expect(edit.diff).toContain('+  return x * 3;');
    expect(fs.readFileSync(path.join(root, 'src/util.ts'), 'utf8')).toContain('x * 2');
    const write = await tools.preview('workspace:write_file', { path: 'new.txt', content: 'n\n' });
    expect(write).toMatchObject({ path: 'new.txt' });
    expect(write.diff).toContain('+n');
    expect(fs.existsSync(path.join(root, 'new.txt'))).toBe(false);
    expect(await tools.preview('workspace:bash', { command: 'npm test' })).toEqual({ workspace: `path:${root}`, command: 'npm test' });
    // A call that will fail still shows what was asked.
    expect(await tools.preview('workspace:write_file', { path: '../x', content: '' })).toEqual({ workspace: `path:${root}`, path: '../x' });
  });
});
