import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/helpers/engine-harness';
import { makeRepo, testManager, treeOf } from '../../test/helpers/git-repo';
import { OUTPUT_DIFF_CAP_BYTES, reportWorkspace, toWorkspaceChanges } from './snapshot';
import { createWorkspaceTools } from './tools/index';
import type { AcquireRequest } from './types';

const environment = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const binary = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13, 0x80, 0x81]);

function request(workDir: string, url: string, extra: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    executionId: 'exe_snap',
    workflowId: 'wf_1',
    stepId: 'step_a',
    iterationPath: '',
    workDir,
    spec: { kind: 'git', url },
    signal: new AbortController().signal,
    log: () => {},
    ...extra,
  };
}

describe('workspace snapshots', () => {
  it('rebuilds a git workspace byte for byte from its snapshot: edits, a binary file, a deleted file, an untracked file', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, {
      'src/app.ts': 'export const a = 1;\nexport const b = 2;\n',
      'docs/old.md': 'to be deleted\n',
      'assets/logo.bin': Buffer.from([9, 0, 8, 0, 7]),
      '.gitignore': 'build/\n',
    });
    const manager = testManager({ roots: [roots] });
    const ws = await manager.acquire(request(tempDataDir(), repo.dir));
    const tools = createWorkspaceTools({ workspace: ws, environment, allowBash: true });
    const call = async (name: string, input: unknown) => {
      const result = await tools.call(name, input, { signal: new AbortController().signal, log: () => {} });
      expect(result.isError, JSON.stringify(result.output)).toBe(false);
      return result;
    };
    await call('workspace:edit_file', { path: 'src/app.ts', oldText: 'b = 2', newText: 'b = 3' });
    await call('workspace:write_file', { path: 'src/new/untracked.ts', content: 'export const c = "ü";\n' });
    fs.writeFileSync(path.join(ws.root, 'assets/new.bin'), binary);
    fs.writeFileSync(path.join(ws.root, 'assets/logo.bin'), Buffer.from([1, 0, 2, 0, 3, 0]));
    await call('workspace:bash', { command: 'rm docs/old.md && mkdir -p build && echo ignored > build/out.txt && chmod +x src/app.ts' });

    const { snapshot, changes } = await reportWorkspace(ws);
    expect(snapshot.changedFiles).toEqual(['assets/logo.bin', 'assets/new.bin', 'docs/old.md', 'src/app.ts', 'src/new/untracked.ts']);
    expect(changes.changedFiles).toEqual(snapshot.changedFiles);
    expect(snapshot.baseCommit).toBe(repo.head);
    expect(snapshot.diff).toContain('-export const b = 2;');
    expect(snapshot.diff).toContain('GIT binary patch');
    expect(changes.diffTruncated).toBe(false);
    ws.release();

    // A new lease on another runner: a fresh manager and run directory, given only the snapshot.
    const other = testManager({ roots: [roots] });
    const rebuilt = await other.acquire(request(tempDataDir(), repo.dir, { restore: { baseCommit: snapshot.baseCommit, diff: snapshot.diff } }));
    const expected = treeOf(ws.root);
    delete expected['build/out.txt'];
    expect(treeOf(rebuilt.root)).toEqual(expected);
    expect(fs.statSync(path.join(rebuilt.root, 'src/app.ts')).mode & 0o111).not.toBe(0);
    expect(fs.existsSync(path.join(rebuilt.root, 'docs/old.md'))).toBe(false);
    expect(fs.readFileSync(path.join(rebuilt.root, 'assets/new.bin')).equals(binary)).toBe(true);
    // The rebuilt workspace reports the same changes against the same base.
    expect((await rebuilt.changes()).diff).toBe(snapshot.diff);
    rebuilt.release();
  });

  it('keeps a text file that is not UTF-8 exact, as a binary patch', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const latin1 = Buffer.from('caf\xe9 cr\xe8me\n', 'latin1');
    const repo = makeRepo(roots, { 'menu.txt': latin1, 'plain.txt': 'plain\n' });
    const ws = await testManager({ roots: [roots] }).acquire(request(tempDataDir(), repo.dir));
    fs.writeFileSync(path.join(ws.root, 'menu.txt'), Buffer.concat([latin1, Buffer.from('cr\xeape\n', 'latin1')]));
    fs.writeFileSync(path.join(ws.root, 'plain.txt'), 'plain\nmore\n');
    const { snapshot } = await reportWorkspace(ws);
    expect(snapshot.diff).toContain('GIT binary patch');
    ws.release();
    const rebuilt = await testManager({ roots: [roots] }).acquire(
      request(tempDataDir(), repo.dir, { restore: { baseCommit: snapshot.baseCommit, diff: snapshot.diff } }),
    );
    expect(treeOf(rebuilt.root)).toEqual(treeOf(ws.root));
    rebuilt.release();
  });

  it('sends no diff to rebuild from when the repository forces a text diff of a non-UTF-8 file', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'menu.txt': Buffer.from('caf\xe9\n', 'latin1'), '.gitattributes': 'menu.txt diff\n' });
    const ws = await testManager({ roots: [roots] }).acquire(request(tempDataDir(), repo.dir));
    fs.writeFileSync(path.join(ws.root, 'menu.txt'), Buffer.from('th\xe9\n', 'latin1'));
    const { snapshot, changes } = await reportWorkspace(ws);
    expect(snapshot.diff).toBeNull();
    expect(changes.changedFiles).toEqual(['menu.txt']);
    ws.release();
  });

  it('shows a change a command hid from the clone’s index (assume-unchanged, skip-worktree)', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'Hello\n', 'b.txt': 'Hello\n', 'c.txt': 'Hello\n' });
    const ws = await testManager({ roots: [roots] }).acquire(request(tempDataDir(), repo.dir));
    const tools = createWorkspaceTools({ workspace: ws, environment, allowBash: true });
    const signal = new AbortController().signal;
    // Same sizes as before, and the index told to look away: only a fresh read of the tree sees them.
    const command =
      'git update-index --assume-unchanged a.txt && git update-index --skip-worktree b.txt && printf "Howdy\\n" > a.txt && printf "Howdy\\n" > b.txt && git status --porcelain';
    const hidden = await tools.call('workspace:bash', { command }, { signal, log: () => {} });
    expect((hidden.output as { stdoutTail: string }).stdoutTail).toBe('');
    const changes = await ws.changes();
    expect(changes.changedFiles).toEqual(['a.txt', 'b.txt']);
    expect(changes.diff).toContain('-Hello\n+Howdy');
    ws.release();
  });

  it('leaves the index a command uses alone', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const ws = await testManager({ roots: [roots] }).acquire(request(tempDataDir(), repo.dir));
    const tools = createWorkspaceTools({ workspace: ws, environment, allowBash: true });
    fs.writeFileSync(path.join(ws.root, 'b.txt'), 'b\n');
    await ws.changes();
    const status = await tools.call('workspace:bash', { command: 'git status --porcelain' }, { signal: new AbortController().signal, log: () => {} });
    expect((status.output as { stdoutTail: string }).stdoutTail).toBe('?? b.txt\n');
    ws.release();
  });

  it('cuts the output diff at 256 KiB on a line boundary, keeping the full one for the snapshot', async () => {
    const state = { changedFiles: ['big.txt'], diff: `${'+line of text\n'.repeat(30_000)}` };
    const cut = toWorkspaceChanges({ key: 'git:x#', baseCommit: 'abc', state });
    expect(cut.diffTruncated).toBe(true);
    expect(Buffer.byteLength(cut.diff)).toBeLessThanOrEqual(OUTPUT_DIFF_CAP_BYTES);
    expect(cut.diff.endsWith('\n')).toBe(true);
    expect(toWorkspaceChanges({ key: 'k', baseCommit: null, state: { changedFiles: [], diff: 'x\n' } })).toEqual({
      key: 'k',
      baseCommit: null,
      changedFiles: [],
      diff: 'x\n',
      diffTruncated: false,
    });
  });

  it('records only the tools’ own writes for a directory workspace, with no diff', async () => {
    const roots = fs.realpathSync(tempDataDir());
    fs.mkdirSync(path.join(roots, 'project'));
    const manager = testManager({ roots: [roots] });
    const ws = await manager.acquire({ ...request(tempDataDir(), ''), spec: { kind: 'path', path: path.join(roots, 'project') } });
    const tools = createWorkspaceTools({ workspace: ws, environment, allowBash: false });
    await tools.call('workspace:write_file', { path: 'z.txt', content: 'z' }, { signal: new AbortController().signal, log: () => {} });
    await tools.call('workspace:write_file', { path: 'a/b.txt', content: 'b' }, { signal: new AbortController().signal, log: () => {} });
    const { snapshot } = await reportWorkspace(ws);
    expect(snapshot).toEqual({ key: `path:${path.join(roots, 'project')}`, baseCommit: null, changedFiles: ['a/b.txt', 'z.txt'], diff: '' });
    ws.release();
    // The directory stays when the execution ends.
    await manager.releaseExecution('exe_snap');
    expect(fs.readFileSync(path.join(roots, 'project/z.txt'), 'utf8')).toBe('z');
  });
});
