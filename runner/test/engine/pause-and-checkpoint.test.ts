import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeRegistry, startGrant } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';
import { flushPromises } from '../helpers/wait-for';

describe('engine: a step waiting for a person, and step checkpoints (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('time with the clock paused does not count against the step timeout; pauses nest', async () => {
    let resumeOuter: (() => void) | undefined;
    let resumeInner: (() => void) | undefined;
    const { registry } = fakeRegistry({
      slow: (ctx) =>
        new Promise((resolve, reject) => {
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          // 600 ms of work, then a person takes 10 s, then the step finishes after 300 more ms.
          setTimeout(() => {
            resumeOuter = ctx.pauseTimeout!();
            resumeInner = ctx.pauseTimeout!();
          }, 600);
          setTimeout(() => {
            resumeInner!();
            resumeInner!(); // a second call does nothing
          }, 5_000);
          setTimeout(() => resumeOuter!(), 10_600);
          setTimeout(() => resolve('finished'), 10_900);
        }),
    });
    const { sink, done } = startGrant(workflow([{ id: 'slow', type: 'bash', command: 'x', timeoutSeconds: 1 }]), { registry });
    await vi.advanceTimersByTimeAsync(10_950);
    await done;
    expect(sink.trace()).toEqual(['step.started slow#1', 'step.succeeded slow#1', 'execution.finished succeeded']);
  });

  it('the clock runs again after the pause: the rest of the timeout still ends the step', async () => {
    const { registry } = fakeRegistry({
      stuck: (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          setTimeout(() => {
            const resume = ctx.pauseTimeout!();
            setTimeout(resume, 20_000);
          }, 700);
        }),
    });
    const { sink, done } = startGrant(workflow([{ id: 'stuck', type: 'bash', command: 'x', timeoutSeconds: 1 }]), { registry });
    await vi.advanceTimersByTimeAsync(20_650);
    expect(sink.trace()).toEqual(['step.started stuck#1']);
    await vi.advanceTimersByTimeAsync(400);
    await done;
    expect(sink.ofType('step.failed')[0]).toMatchObject({ error: { name: 'StepTimeoutError' } });
  });

  it("a step starts from the grant's checkpoint, and a retry from the one its failed attempt saved", async () => {
    const seen: unknown[] = [];
    const { registry } = fakeRegistry({
      agent: async (ctx) => {
        seen.push(ctx.checkpoint);
        ctx.emitCheckpoint!({ step: ctx.attempt });
        ctx.emitWorkspaceSnapshot!({ key: 'path:/w', baseCommit: null, changedFiles: ['a.txt'], diff: null });
        if (ctx.attempt < 3) throw new Error('flake');
        return 'ok';
      },
    });
    const { sink, done } = startGrant(workflow([{ id: 'agent', type: 'bash', command: 'x', retry: { maxAttempts: 3, backoffSeconds: 1 } }]), {
      registry,
      grant: {
        stepAttempts: { 'agent|': 1 },
        checkpoints: [
          { stepId: 'agent', iterationPath: '', attempt: 1, state: { step: 1 } },
          { stepId: 'other', iterationPath: '', attempt: 1, state: 'not mine' },
        ],
      },
    });
    await flushPromises();
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(seen).toEqual([{ step: 1 }, { step: 2 }]);
    expect(sink.ofType('step.checkpoint')).toEqual([
      expect.objectContaining({ type: 'step.checkpoint', stepId: 'agent', iterationPath: '', attempt: 2, state: { step: 2 } }),
      expect.objectContaining({ type: 'step.checkpoint', stepId: 'agent', iterationPath: '', attempt: 3, state: { step: 3 } }),
    ]);
    expect(sink.ofType('workspace.snapshot')[0]).toMatchObject({ key: 'path:/w', changedFiles: ['a.txt'], attempt: 2 });
  });
});
