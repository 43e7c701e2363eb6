import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentWorkspaces } from '../../src/agent/workspaces';
import { statusPaths } from '../../src/workspace/fingerprint';
import { tempDataDir } from '../helpers/engine-harness';
import { makeRepo, testManager } from '../helpers/git-repo';
import { TEST_STEP_ENVIRONMENT } from '../helpers/step-handlers';
import { stepContext } from '../helpers/step-context';

/** Review of issue 20, "work done twice": a bash call that changed nothing sends no snapshot. */
describe('agent workspace snapshots', () => {
  it('are taken after a bash call only when `git status` says the work tree changed since the last one', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const workspaces = agentWorkspaces({ manager: testManager({ roots: [roots] }), environment: TEST_STEP_ENVIRONMENT, runnerName: 'r' });
    const ctx = stepContext();
    const ws = await workspaces.open(ctx, { git: { url: repo.dir } });
    const signal = new AbortController().signal;
    /** Runs a call, then answers what the step would send: the snapshot's changed files and diff, or null. */
    const after = async (name: string, input: unknown) => {
      const result = await ws.call(name, input, { signal, log: () => {} });
      expect(result.isError, JSON.stringify(result.output)).toBe(false);
      if (!result.mutated) return 'not asked';
      const snapshot = await ws.snapshotIfChanged();
      return snapshot && { changedFiles: snapshot.changedFiles, diff: snapshot.diff };
    };
    const bash = (command: string) => after('workspace:bash', { command });
    try {
      // The first look has nothing to compare with.
      expect(await bash('ls')).toEqual({ changedFiles: [], diff: '' });
      expect(await bash('cat a.txt; git status >/dev/null')).toBeNull();
      expect(await bash('echo b >> a.txt')).toMatchObject({ changedFiles: ['a.txt'], diff: expect.stringContaining('+b') });
      expect(await bash('true')).toBeNull();
      // Changed again: still " M a.txt" in the status, but not the same file.
      expect(await bash('echo c >> a.txt')).toMatchObject({ changedFiles: ['a.txt'], diff: expect.stringContaining('+c') });
      expect(await bash('mkdir -p new && echo n > new/file.txt')).toMatchObject({ changedFiles: ['a.txt', 'new/file.txt'] });
      expect(await bash('wc -l new/file.txt')).toBeNull();
      // A write is a change for certain: sent whatever the look says; the look taken with it lets
      // the next call that changes nothing send nothing, and a real change after it still sends one.
      expect(await after('workspace:write_file', { path: 'w.txt', content: 'w\n' })).toMatchObject({ changedFiles: ['a.txt', 'new/file.txt', 'w.txt'] });
      expect(await bash('true')).toBeNull();
      expect(await bash('echo x >> w.txt')).toMatchObject({ changedFiles: ['a.txt', 'new/file.txt', 'w.txt'], diff: expect.stringContaining('+x') });
      expect(await after('workspace:edit_file', { path: 'w.txt', oldText: 'x', newText: 'y' })).toMatchObject({ diff: expect.stringContaining('+y') });
      expect(await bash('true')).toBeNull();
      // A commit moves the clone's HEAD, not the work tree: the changes since the base commit are the
      // ones last sent, so nothing is sent; they are still reported against the base commit.
      expect(await bash('git add -A && git -c user.name=a -c user.email=a@example.com commit -qm wip && git status --porcelain | wc -l')).toBeNull();
      expect(await bash('echo z >> w.txt')).toMatchObject({ changedFiles: ['a.txt', 'new/file.txt', 'w.txt'], diff: expect.stringContaining('+z') });
      expect(await bash('rm new/file.txt')).toMatchObject({ changedFiles: ['a.txt', 'w.txt'] });
      expect(await after('workspace:read_file', { path: 'a.txt' })).toBe('not asked');
    } finally {
      ws.release();
    }
  });

  it('are taken after a bash call that hid its change from the clone’s own git files', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'Hello\n', 'b.txt': 'Hello\n', '.gitignore': 'build/\n' });
    const workspaces = agentWorkspaces({ manager: testManager({ roots: [roots] }), environment: TEST_STEP_ENVIRONMENT, runnerName: 'r' });
    const ws = await workspaces.open(stepContext(), { git: { url: repo.dir } });
    const signal = new AbortController().signal;
    const bash = async (command: string) => {
      const result = await ws.call('workspace:bash', { command }, { signal, log: () => {} });
      expect(result.isError, JSON.stringify(result.output)).toBe(false);
      const snapshot = await ws.snapshotIfChanged();
      return snapshot && { changedFiles: snapshot.changedFiles, diff: snapshot.diff };
    };
    try {
      expect(await bash('true')).toEqual({ changedFiles: [], diff: '' });
      // Each command leaves `git status` in the workspace empty; each change is still sent.
      expect(await bash('git update-index --assume-unchanged a.txt && printf "Howdy\\n" > a.txt && git status --porcelain')).toMatchObject({
        changedFiles: ['a.txt'],
        diff: expect.stringContaining('+Howdy'),
      });
      expect(await bash('git update-index --skip-worktree b.txt && printf "Howdy\\n" > b.txt')).toMatchObject({ changedFiles: ['a.txt', 'b.txt'] });
      expect(
        await bash('mkdir -p "$(git rev-parse --git-dir)/info" && echo x.txt >> "$(git rev-parse --git-dir)/info/exclude" && echo secret > x.txt'),
      ).toMatchObject({ changedFiles: ['a.txt', 'b.txt', 'x.txt'] });
      expect(
        await bash(
          'echo y.txt > "$(git rev-parse --git-dir)/excludes" && git config core.excludesFile "$(git rev-parse --git-dir)/excludes" && echo y > y.txt',
        ),
      ).toMatchObject({ changedFiles: ['a.txt', 'b.txt', 'x.txt', 'y.txt'] });
      // What the repository itself ignores stays out, and a look that finds nothing new sends nothing.
      expect(await bash('mkdir -p build && echo out > build/out.txt && git status --porcelain')).toBeNull();
    } finally {
      ws.release();
    }
  });

  it('reads the paths of every kind of porcelain v2 status entry', () => {
    const out = [
      '# branch.oid 0123',
      '# branch.head main',
      '1 .M N... 100644 100644 100644 aaaa bbbb with space.txt',
      'u UU N... 100644 100644 100644 100644 aaaa bbbb cccc conflicted.txt',
      '? new dir/untracked.txt',
      '',
    ].join('\0');
    expect(statusPaths(out)).toEqual(['with space.txt', 'conflicted.txt', 'new dir/untracked.txt']);
  });
});
