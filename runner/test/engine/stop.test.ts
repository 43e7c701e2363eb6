import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeDirName } from '../../src/engine/execute';
import { testRegistry } from '../helpers/step-handlers';
import { assertOneTerminalPerAttempt } from '../helpers/memory-sink';
import { fakeRegistry, startGrant, tempDataDir } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';
import { isAlive, killedAfterEach } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';

const leftovers = killedAfterEach();

/** A bash step that starts a background child, records both pids and waits. */
const sleeper = { id: 'sleepy', type: 'bash', command: 'sleep 30 & echo $! > child.pid; echo $$ > shell.pid; echo started; wait' };

async function pidsOf(workDir: string): Promise<{ shell: number; child: number }> {
  return waitFor(
    () => {
      const read = (name: string) => Number(fs.readFileSync(path.join(workDir, name), 'utf8').trim());
      const shell = read('shell.pid');
      const child = read('child.pid');
      return shell > 0 && child > 0 ? { shell, child } : null;
    },
    { message: 'pid files' },
  );
}

describe('engine: cancel, abort, shutdown', () => {
  it('cancel during bash kills the whole process group and reports canceled', async () => {
    const dataDir = tempDataDir();
    const { sink, engine, grant, done } = startGrant(workflow([sleeper, { id: 'never', type: 'bash', command: 'true' }]), {
      registry: testRegistry(),
      dataDir,
    });
    const workDir = path.join(dataDir, 'runs', safeDirName(grant.executionId));
    const { shell, child } = await pidsOf(workDir);
    leftovers.push(shell, child);
    expect(isAlive(child)).toBe(true);
    // Live output arrives (throttled) while the step runs.
    await waitFor(() => sink.ofType('step.log').some((e) => e.text.includes('started')), { message: 'live output' });

    engine.cancel({ executionId: grant.executionId, attempt: 1, reason: 'canceled by ana' });
    await done;
    await waitFor(() => !isAlive(child) && !isAlive(shell), { message: 'the process group to die' });
    expect(sink.trace()).toEqual(['step.started sleepy#1', 'step.canceled sleepy#1', 'execution.finished canceled']);
    expect(sink.ofType('step.canceled')[0]?.reason).toBe('canceled by ana');
    assertOneTerminalPerAttempt(sink.events);
  });

  it('cancel inside a loop cancels the running step, then the loop', async () => {
    const { registry } = fakeRegistry({ inner: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))) });
    const { sink, engine, grant, done } = startGrant(
      workflow([{ id: 'each', type: 'loop', over: [1, 2], steps: [{ id: 'inner', type: 'bash', command: 'x' }] }]),
      { registry },
    );
    await waitFor(() => sink.ofType('step.started').length === 2);
    engine.cancel({ executionId: grant.executionId, attempt: 1, reason: 'enough' });
    await done;
    expect(sink.trace()).toEqual([
      'step.started each#1',
      'step.started inner@each[0]#1',
      'step.canceled inner@each[0]#1',
      'step.canceled each#1',
      'execution.finished canceled',
    ]);
    assertOneTerminalPerAttempt(sink.events);
  });

  it('abort (lost lease) stops the step and reports nothing more', async () => {
    const dataDir = tempDataDir();
    const { sink, engine, grant, done } = startGrant(workflow([sleeper]), { registry: testRegistry(), dataDir });
    const { shell, child } = await pidsOf(path.join(dataDir, 'runs', safeDirName(grant.executionId)));
    leftovers.push(shell, child);
    const before = sink.events.filter((e) => e.type !== 'step.log').length;
    engine.abort({ executionId: grant.executionId, attempt: 1, reason: 'lease expired' });
    await done;
    await waitFor(() => !isAlive(child), { message: 'the child to die' });
    expect(sink.events.filter((e) => e.type !== 'step.log')).toHaveLength(before);
    expect(sink.finished()).toBeUndefined();
    expect(engine.size).toBe(0);
  });

  it('abort for another lease attempt is ignored', async () => {
    const { registry } = fakeRegistry({ slow: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('x'))) });
    const { engine, grant, done } = startGrant(workflow([{ id: 'slow', type: 'bash', command: 'x' }]), { registry, grant: { attempt: 3 } });
    engine.abort({ executionId: grant.executionId, attempt: 2, reason: 'old lease' });
    expect(engine.isRunning(grant.executionId)).toBe(true);
    engine.cancel({ executionId: grant.executionId, attempt: 3, reason: 'done' });
    await done;
  });

  it('shutdown cancels running steps, leaves the execution unfinished and refuses new leases', async () => {
    const { registry } = fakeRegistry({ slow: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))) });
    const { sink, engine, grant } = startGrant(workflow([{ id: 'slow', type: 'bash', command: 'x' }]), { registry });
    await waitFor(() => sink.ofType('step.started').length === 1);
    await engine.shutdown();
    expect(sink.trace()).toEqual(['step.started slow#1', 'step.canceled slow#1']);
    expect(sink.ofType('step.canceled')[0]?.reason).toBe('runner shutting down');
    engine.start({ ...grant, executionId: 'exe_after_shutdown' });
    expect(engine.size).toBe(0);
  });

  it('a newer lease attempt of the same execution replaces the old run silently', async () => {
    const { registry } = fakeRegistry({ slow: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))) });
    const { sink, engine, grant } = startGrant(workflow([{ id: 'slow', type: 'bash', command: 'x' }]), { registry });
    await waitFor(() => sink.ofType('step.started').length === 1);
    engine.start({ ...grant });
    expect(engine.leases()).toEqual([{ executionId: grant.executionId, attempt: 1 }]);
    engine.start({ ...grant, attempt: 2 });
    await waitFor(() => sink.ofType('step.started').length === 2);
    expect(engine.leases()).toEqual([{ executionId: grant.executionId, attempt: 2 }]);
    expect(sink.events.filter((e) => e.lease.attempt === 1).map((e) => e.type)).toEqual(['step.started']);
    engine.cancel({ executionId: grant.executionId, attempt: 2, reason: 'enough' });
    await engine.whenIdle();
  });
});
