import fs from 'node:fs';
import path from 'node:path';
import { AskPreview } from '@weft/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/helpers/engine-harness';
import type { Workspace, WorkspaceTools } from '../types';
import { MAX_DIFF_CHARS } from './common';
import { createWorkspaceTools } from './index';

// Review 20: findings 1 (diffs block the event loop), 3 (glob escapes), 8 (previews over the shared limits)
// and the informational one (.git readable).

let root: string;
let outside: string;
let tools: WorkspaceTools;

function workspaceAt(dir: string, key = `path:${dir}`): Workspace {
  return {
    key,
    kind: 'path',
    root: dir,
    baseCommit: null,
    changes: async () => ({ changedFiles: [], diff: '' }),
    fingerprint: async () => '[]',
    snapshot: async () => ({ key, baseCommit: null, changedFiles: [], diff: '' }),
    recordChange: () => {},
    release: () => {},
  };
}

beforeEach(() => {
  const base = fs.realpathSync(tempDataDir());
  root = path.join(base, 'ws');
  outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret\n');
  fs.writeFileSync(path.join(root, 'a.txt'), 'a\n');
  tools = createWorkspaceTools({ workspace: workspaceAt(root), environment: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, allowBash: false });
});

async function call(name: string, input: unknown) {
  return tools.call(name, input, { signal: new AbortController().signal, log: () => {} });
}

/** Runs `work` while a 20 ms interval ticks; answers the work's result and the longest gap between ticks. */
async function whileTicking<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number; longestGapMs: number }> {
  let ticks = 0;
  let last = performance.now();
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    ticks++;
  }, 20);
  try {
    const result = await work();
    // A few more ticks, so a block at the very end of the work is seen too.
    const target = ticks + 3;
    while (ticks < target) await new Promise((resolve) => setTimeout(resolve, 20));
    longestGapMs = Math.max(longestGapMs, performance.now() - last);
    return { result, ticks, longestGapMs };
  } finally {
    clearInterval(timer);
  }
}

const lines = (count: number, prefix: string) => `${Array.from({ length: count }, (_, i) => `${prefix} line ${i}`).join('\n')}\n`;

describe('diffs are bounded (finding 1)', () => {
  it('rewrites a 16,000-line file with every line different without blocking the event loop, reporting the diff as too large', async () => {
    fs.writeFileSync(path.join(root, 'big.txt'), lines(16_000, 'old'));
    const { result, longestGapMs } = await whileTicking(() => call('workspace:write_file', { path: 'big.txt', content: lines(16_000, 'new') }));
    expect(result.isError).toBe(false);
    expect((result.output as { diff: string }).diff).toMatch(/^\(diff too large to show: 16000 → 16000 lines/);
    expect(fs.readFileSync(path.join(root, 'big.txt'), 'utf8')).toBe(lines(16_000, 'new'));
    // Unbounded, this diff blocked the loop for over a minute; the bound is generous for a loaded machine.
    expect(longestGapMs).toBeLessThan(3000);
    const preview = await tools.preview('workspace:write_file', { path: 'big.txt', content: lines(16_000, 'other') });
    expect(preview.diff).toMatch(/^\(diff too large to show/);
  }, 30_000);

  it('gives up on a diff under the size caps that needs too many edits (replaceAll on identical lines)', async () => {
    fs.writeFileSync(path.join(root, 'same.txt'), 'x\n'.repeat(4000));
    const { result, longestGapMs } = await whileTicking(() => call('workspace:edit_file', { path: 'same.txt', oldText: 'x', newText: 'y', replaceAll: true }));
    expect(result).toMatchObject({ isError: false, output: { replacements: 4000 } });
    expect((result.output as { diff: string }).diff).toMatch(/^\(diff too large to show: 4000 → 4000 lines/);
    expect(longestGapMs).toBeLessThan(3000);
  }, 30_000);

  it('still shows an ordinary diff', async () => {
    const result = await call('workspace:edit_file', { path: 'a.txt', oldText: 'a', newText: 'b' });
    expect((result.output as { diff: string }).diff).toContain('-a\n+b\n');
  });
});

describe('previews fit the shared AskPreview limits (finding 8)', () => {
  it('cuts a long diff so that the marker fits within the limit', async () => {
    // Under the line and size caps, over the character cap once diffed.
    const long = `${Array.from({ length: 1000 }, (_, i) => `${i} ${'z'.repeat(150)}`).join('\n')}\n`;
    const preview = await tools.preview('workspace:write_file', { path: 'new.txt', content: long });
    expect(preview.diff?.length).toBe(MAX_DIFF_CHARS);
    expect(preview.diff).toMatch(/diff cut at 100000 characters\n$/);
    expect(AskPreview.safeParse(preview).success).toBe(true);
    const written = await call('workspace:write_file', { path: 'new.txt', content: long });
    expect((written.output as { diff: string }).diff.length).toBe(MAX_DIFF_CHARS);
  });

  it('trims the path, the command and the workspace key to their limits', async () => {
    const longKey = `git:https://example.com/${'r'.repeat(2200)}#main`;
    const keyed = createWorkspaceTools({ workspace: workspaceAt(root, longKey), environment: {}, allowBash: true });
    const deepPath = Array.from({ length: 300 }, () => 'abcdefgh').join('/');
    const write = await keyed.preview('workspace:write_file', { path: `${deepPath}/f.txt`, content: 'x\n' });
    expect(write.path?.length).toBe(2000);
    expect(write.workspace?.length).toBe(2100);
    expect(AskPreview.safeParse(write).success).toBe(true);
    const bash = await keyed.preview('workspace:bash', { command: `echo ${'c'.repeat(30_000)}` });
    expect(bash.command?.length).toBe(20_000);
    expect(AskPreview.safeParse(bash).success).toBe(true);
    // At the limits exactly, nothing is cut.
    const exact = await createWorkspaceTools({ workspace: workspaceAt(root, 'k'.repeat(2100)), environment: {}, allowBash: true }).preview(
      'workspace:read_file',
      {
        path: 'p'.repeat(2000),
      },
    );
    expect(exact).toEqual({ workspace: 'k'.repeat(2100), path: 'p'.repeat(2000) });
  });
});

describe('glob patterns cannot list names outside the workspace (finding 3)', () => {
  it.each([['.\\./.\\./etc/pass*'], ['.\\./**'], ['.\\./outside/*'], ['/proc/self/environ'], ['{.,x}{.,y}/**'], ['{.,x}{.,y}/outside/*']])(
    'refuses or finds nothing outside for %s',
    async (pattern) => {
      for (const result of [await call('workspace:glob', { pattern }), await call('workspace:grep', { pattern: 'secret', glob: pattern })]) {
        if (result.isError) {
          expect((result.output as { error: string }).error).toContain('refused');
          continue;
        }
        const output = result.output as { matches: (string | { path: string })[] };
        for (const match of output.matches) {
          const file = typeof match === 'string' ? match : match.path;
          expect(path.resolve(root, file).startsWith(`${root}/`)).toBe(true);
        }
      }
    },
  );

  it('refuses a backslash anywhere in a pattern', async () => {
    const result = await call('workspace:glob', { pattern: 'src\\/*.ts' });
    expect(result.isError).toBe(true);
    expect((result.output as { error: string }).error).toContain('"\\"');
  });
});

describe('.git is neither read nor listed (informational finding)', () => {
  beforeEach(() => {
    fs.mkdirSync(path.join(root, '.git'));
    fs.writeFileSync(path.join(root, '.git/config'), '[remote "origin"]\n\turl = https://user:token@example.com/r.git\n');
    fs.mkdirSync(path.join(root, 'vendor/.GIT'), { recursive: true });
    fs.writeFileSync(path.join(root, 'vendor/.GIT/config'), 'x');
  });

  it.each([
    ['workspace:read_file', { path: '.git/config' }],
    ['workspace:read_file', { path: 'vendor/.GIT/config' }],
    ['workspace:read_file', { path: 'vendor/../.git/config' }],
    ['workspace:list', { path: '.git' }],
    ['workspace:list', { path: 'vendor/.GIT' }],
  ])('%s %j is refused', async (name, input) => {
    const result = await call(name, input);
    expect(result.isError).toBe(true);
    expect((result.output as { error: string }).error).toContain('.git entry belongs to git');
  });

  it('glob and grep leave .git out', async () => {
    expect(((await call('workspace:glob', { pattern: '.git/*' })).output as { matches: string[] }).matches).toEqual([]);
    expect(((await call('workspace:glob', { pattern: '**/config' })).output as { matches: string[] }).matches).toEqual([]);
    expect(((await call('workspace:grep', { pattern: 'token' })).output as { matches: unknown[] }).matches).toEqual([]);
  });
});
