import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NonRetriableStepError, StepFailedError } from '../../src/engine/errors';
import { createBashStep } from '../../src/steps/bash';
import { tempDataDir } from '../helpers/engine-harness';
import { makeRepo, testManager } from '../helpers/git-repo';
import { stepContext } from '../helpers/step-context';
import { TEST_STEP_ENVIRONMENT } from '../helpers/step-handlers';

const bash = (command: string, extra: Record<string, unknown> = {}) => ({ id: 'step_one', type: 'bash' as const, command, ...extra });

function setup(files: Record<string, string> = { 'src/a.txt': 'a\n', 'README.md': 'readme\n' }) {
  const roots = fs.realpathSync(tempDataDir());
  const repo = makeRepo(roots, files);
  const workspaces = testManager({ roots: [roots] });
  const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', workspaces });
  return { roots, repo, workspaces, step };
}

describe('bash step with a workspace', () => {
  it('runs in the workspace root and reports its changes in the output and a snapshot event', async () => {
    const { repo, step } = setup();
    const ctx = stepContext({ scope: { inputs: { repo: repo.dir }, steps: {}, trigger: null } });
    const output = (await step.run(ctx, bash('echo b >> src/a.txt && echo new > added.txt && pwd', { workspace: { git: { url: '{{ inputs.repo }}' } } }))) as {
      stdout: string;
      changedFiles: string[];
      workspace: { key: string; baseCommit: string; changedFiles: string[]; diff: string; diffTruncated: boolean };
    };
    expect(output.changedFiles).toEqual(['added.txt', 'src/a.txt']);
    expect(output.workspace).toMatchObject({ key: `git:${repo.dir}#`, baseCommit: repo.head, changedFiles: ['added.txt', 'src/a.txt'], diffTruncated: false });
    expect(output.workspace.diff).toContain('+b');
    expect(output.workspace.diff).toContain('+new');
    const root = output.stdout.trim();
    expect(root.startsWith(path.join(fs.realpathSync(ctx.workDir), 'workspaces'))).toBe(true);
    expect(ctx.snapshots).toEqual([{ key: `git:${repo.dir}#`, baseCommit: repo.head, changedFiles: ['added.txt', 'src/a.txt'], diff: output.workspace.diff }]);
  });

  it('lets a later step of the execution see the earlier step’s changes', async () => {
    const { repo, step } = setup();
    const workDir = tempDataDir();
    const spec = { workspace: { git: { url: repo.dir } } };
    await step.run(stepContext({ workDir }), bash('echo first > note.txt', spec));
    const second = (await step.run(stepContext({ workDir, stepId: 'step_two' }), bash('cat note.txt', spec))) as { stdout: string };
    expect(second.stdout).toBe('first\n');
  });

  it('takes cwd relative to the workspace root and refuses one that leaves it', async () => {
    const { repo, step } = setup();
    const spec = { git: { url: repo.dir } };
    const inSrc = (await step.run(stepContext(), bash('ls', { workspace: spec, cwd: 'src' }))) as { stdout: string };
    expect(inSrc.stdout).toBe('a.txt\n');
    const climbing = step.run(stepContext(), bash('ls', { workspace: spec, cwd: '../..' }));
    await expect(climbing).rejects.toBeInstanceOf(NonRetriableStepError);
    await expect(climbing).rejects.toMatchObject({ code: 'bash_bad_cwd', message: expect.stringContaining('leads outside the workspace') });
    await expect(step.run(stepContext(), bash('ls', { workspace: spec, cwd: '/etc' }))).rejects.toMatchObject({ code: 'bash_bad_cwd' });
    await expect(step.run(stepContext(), bash('ls', { workspace: spec, cwd: 'README.md' }))).rejects.toMatchObject({ code: 'bash_bad_cwd' });
  });

  it('still records the changes of a command that fails', async () => {
    const { repo, step } = setup();
    const ctx = stepContext();
    await expect(step.run(ctx, bash('echo half > partial.txt; exit 1', { workspace: { git: { url: repo.dir } } }))).rejects.toBeInstanceOf(StepFailedError);
    expect(ctx.snapshots.map((snapshot) => snapshot.changedFiles)).toEqual([['partial.txt']]);
  });

  it('rebuilds the workspace from the grant’s snapshot on a new lease', async () => {
    const { repo, step } = setup();
    const first = stepContext();
    await step.run(first, bash('echo carried > carried.txt && rm README.md', { workspace: { git: { url: repo.dir } } }));
    const snapshot = first.snapshots[0];
    if (!snapshot) throw new Error('no snapshot');
    // Another runner (a fresh manager), another run directory, only the grant's entry to go on.
    const { step: otherStep } = {
      step: createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r2', workspaces: testManager({ roots: [path.dirname(repo.dir)] }) }),
    };
    const resumed = stepContext({ workspaceSnapshots: [snapshot] });
    const output = (await otherStep.run(resumed, bash('cat carried.txt; ls', { workspace: { git: { url: repo.dir } } }))) as {
      stdout: string;
      changedFiles: string[];
    };
    expect(output.stdout).toBe('carried\ncarried.txt\nsrc\n');
    expect(output.changedFiles).toEqual(['README.md', 'carried.txt']);
  });

  it('fails without retry on a refused workspace', async () => {
    const { step } = setup();
    const elsewhere = fs.realpathSync(tempDataDir());
    await expect(step.run(stepContext(), bash('true', { workspace: { path: elsewhere } }))).rejects.toMatchObject({
      name: 'NonRetriableStepError',
      code: 'workspace_path_not_allowed',
    });
    await expect(step.run(stepContext(), bash('true', { workspace: { git: { url: 'file:///etc' } } }))).rejects.toMatchObject({
      name: 'NonRetriableStepError',
      code: 'workspace_url_refused',
    });
    const noManager = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r' });
    await expect(noManager.run(stepContext(), bash('true', { workspace: { shared: 'cache' } }))).rejects.toMatchObject({ code: 'workspace_unavailable' });
  });

  it('works in a path workspace under WEFT_WORKSPACE_ROOTS and a shared one kept across executions', async () => {
    const { roots, step } = setup();
    fs.mkdirSync(path.join(roots, 'project'));
    const inPath = (await step.run(stepContext(), bash('pwd', { workspace: { path: path.join(roots, 'project') } }))) as {
      stdout: string;
      changedFiles: string[];
    };
    expect(inPath.stdout).toBe(`${path.join(roots, 'project')}\n`);
    expect(inPath.changedFiles).toEqual([]);
    await step.run(stepContext({ executionId: 'exe_a' }), bash('echo kept > cache.txt', { workspace: { shared: 'cache' } }));
    const later = (await step.run(stepContext({ executionId: 'exe_b' }), bash('cat cache.txt', { workspace: { shared: 'cache' } }))) as { stdout: string };
    expect(later.stdout).toBe('kept\n');
  });
});
