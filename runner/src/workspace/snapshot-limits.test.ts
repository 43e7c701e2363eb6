import fs from 'node:fs';
import path from 'node:path';
import { RunnerEventBody } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/helpers/engine-harness';
import { makeRepo, testManager } from '../../test/helpers/git-repo';
import { CHANGED_FILES_CAP, CHANGED_FILES_CAP_BYTES, capChangedFiles, reportWorkspace, SNAPSHOT_DIFF_CAP_BYTES } from './snapshot';
import type { AcquireRequest } from './types';

// Review 20: finding 2 (a snapshot event over the server's frame limit) and finding 11 (a failed snapshot failed the step).

function request(workDir: string, url: string, extra: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    executionId: 'exe_snap_limits',
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

async function gitWorkspace(logs: string[] = []) {
  const roots = fs.realpathSync(tempDataDir());
  const repo = makeRepo(roots, { 'README.md': '# r\n' });
  const manager = testManager({ roots: [roots] });
  const workDir = tempDataDir();
  const ws = await manager.acquire(request(workDir, repo.dir, { log: (_stream, text) => logs.push(text) }));
  return { ws, manager, repo, roots, workDir };
}

describe('workspace.snapshot size (finding 2)', () => {
  it('sends no diff when the encoded diff is over the cap: a 3 MB file of \\x01 bytes gives a valid event within it', async () => {
    const logs: string[] = [];
    const { ws } = await gitWorkspace(logs);
    fs.writeFileSync(path.join(ws.root, 'ctl.txt'), Buffer.alloc(3_000_000, 1));
    const { snapshot, changes } = await reportWorkspace(ws);
    const event = { type: 'workspace.snapshot' as const, stepId: 'step_a', iterationPath: '', attempt: 1, ...snapshot };
    expect(RunnerEventBody.safeParse(event).success).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(SNAPSHOT_DIFF_CAP_BYTES + CHANGED_FILES_CAP_BYTES + 4096);
    expect(snapshot.diff).toBeNull();
    expect(snapshot.changedFiles).toEqual(['ctl.txt']);
    expect(changes.diffTruncated).toBe(true);
    expect(logs.join('')).toContain('cannot be rebuilt past this point');
    ws.release();
  }, 60_000);

  it('keeps a diff that fits encoded', async () => {
    const { ws } = await gitWorkspace();
    fs.writeFileSync(path.join(ws.root, 'ok.txt'), 'fine\n');
    expect((await reportWorkspace(ws)).snapshot.diff).toContain('+fine');
    ws.release();
  });

  it('caps changedFiles by count and by encoded size, with a marker counting the rest', () => {
    const many = Array.from({ length: CHANGED_FILES_CAP + 50 }, (_, i) => `f${i}`);
    const capped = capChangedFiles(many);
    expect(capped).toHaveLength(CHANGED_FILES_CAP + 1);
    expect(capped.at(-1)).toBe('(… 50 more changed files not listed)');
    const escaped = Array.from({ length: 2000 }, (_, i) => `${i}${'\u0001'.repeat(1000)}`);
    const bounded = capChangedFiles(escaped);
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(CHANGED_FILES_CAP_BYTES + 100);
    expect(bounded.at(-1)).toMatch(/more changed files not listed/);
    expect(capChangedFiles(['a', 'x'.repeat(5000)])).toEqual(['a', '(… 1 more changed files not listed)']);
  });

  it('refuses a workspace whose key would be over the protocol limit', async () => {
    const manager = testManager({ roots: [fs.realpathSync(tempDataDir())] });
    await expect(manager.acquire(request(tempDataDir(), `https://example.com/${'r'.repeat(2100)}`))).rejects.toMatchObject({ code: 'workspace_invalid' });
  });
});

describe('a snapshot that fails (finding 11)', () => {
  it('does not fail: the step log says why and the snapshot carries no diff', async () => {
    const logs: string[] = [];
    const { ws } = await gitWorkspace(logs);
    fs.writeFileSync(path.join(ws.root, 'new.txt'), 'x\n');
    // git cannot write objects any more: `add -A` fails.
    const gitDir = `${ws.root}.git`;
    fs.rmSync(path.join(gitDir, 'objects'), { recursive: true, force: true });
    const { snapshot } = await reportWorkspace(ws);
    expect(snapshot.diff).toBeNull();
    expect(logs.join('')).toMatch(/could not record its changes .*cannot be rebuilt past this point/);
    ws.release();
  });

  it('stops with the step: a canceled step throws', async () => {
    const controller = new AbortController();
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'README.md': '# r\n' });
    const ws = await testManager({ roots: [roots] }).acquire(request(tempDataDir(), repo.dir, { signal: controller.signal }));
    fs.writeFileSync(path.join(ws.root, 'new.txt'), 'x\n');
    controller.abort(new Error('canceled'));
    await expect(reportWorkspace(ws)).rejects.toThrow();
    ws.release();
  });
});
