import fs from 'node:fs';
import { BashOutput, RunnerEventBody } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { silentLogger } from '../../src/log';
import { builtinStepHandlers, createStepRegistry } from '../../src/steps/registry';
import type { StepHandlers } from '../../src/steps/types';
import { tempDataDir } from '../helpers/engine-harness';
import { makeRepo, testManager } from '../helpers/git-repo';
import { makeGrant, workflow } from '../helpers/grants';
import { MemorySink } from '../helpers/memory-sink';
import { TEST_STEP_ENVIRONMENT, testOutbound } from '../helpers/step-handlers';
import { waitFor } from '../helpers/wait-for';

const unused = { run: () => Promise.reject(new Error('not in this test')) };

describe('workspaces through the engine', () => {
  it('emits workspace.snapshot after a bash step, rebuilds from the grant’s snapshot, and removes the clone when the run ends', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const workspaces = testManager({ roots: [roots] });
    const builtins = builtinStepHandlers({
      environment: TEST_STEP_ENVIRONMENT,
      outbound: testOutbound(),
      runnerName: 'r',
      notifier: { deliver: () => Promise.reject(new Error('unused')) } as never,
      workspaces,
    });
    const registry = createStepRegistry({ ...builtins, agent_prompt: { type: 'agent_prompt', ...unused }, tool: { type: 'tool', ...unused } } as StepHandlers);
    const sink = new MemorySink();
    const finished: string[] = [];
    const engine = new Engine({
      sink,
      registry,
      dataDir: tempDataDir(),
      logger: silentLogger,
      onRunEnded: (executionId) => {
        finished.push(executionId);
        void workspaces.releaseExecution(executionId);
      },
    });
    const workspace = { git: { url: repo.dir } };
    const grant = makeGrant(
      workflow([
        { id: 'change', type: 'bash', command: 'cat earlier.txt; echo b >> a.txt', workspace },
        { id: 'look', type: 'bash', command: 'pwd', workspace },
      ]),
      // What an earlier lease left: the rebuilt workspace starts with it.
      { workspaces: [{ key: `git:${repo.dir}#`, baseCommit: repo.head, changedFiles: ['earlier.txt'], diff: await earlierDiff(repo.dir) }] },
    );
    engine.start(grant);
    await engine.whenIdle();

    expect(sink.finished()?.status).toBe('succeeded');
    const snapshots = sink.ofType('workspace.snapshot');
    expect(snapshots.map((event) => [event.stepId, event.changedFiles])).toEqual([
      ['change', ['a.txt', 'earlier.txt']],
      ['look', ['a.txt', 'earlier.txt']],
    ]);
    for (const event of sink.events) expect(RunnerEventBody.safeParse(event).success).toBe(true);
    const [first, second] = sink.ofType('step.succeeded');
    expect(BashOutput.parse(first?.output)).toMatchObject({ stdout: 'from the earlier lease\n', changedFiles: ['a.txt', 'earlier.txt'] });
    const root = String((second?.output as { stdout?: string } | undefined)?.stdout ?? '').trim();
    expect(root).not.toBe('');
    expect(finished).toEqual([grant.executionId]);
    await waitFor(() => !fs.existsSync(root), { message: 'the clone to be removed' });
  });
});

/** A snapshot diff as an earlier lease would have sent it: one new file. */
async function earlierDiff(repoDir: string): Promise<string> {
  const roots = [repoDir.slice(0, repoDir.lastIndexOf('/'))];
  const ws = await testManager({ roots }).acquire({
    executionId: 'exe_earlier',
    workflowId: 'wf',
    stepId: 's',
    iterationPath: '',
    workDir: tempDataDir(),
    spec: { kind: 'git', url: repoDir },
    signal: new AbortController().signal,
    log: () => {},
  });
  fs.writeFileSync(`${ws.root}/earlier.txt`, 'from the earlier lease\n');
  const { diff } = await ws.changes();
  ws.release();
  return diff;
}
