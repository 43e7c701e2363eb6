import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetryAfterError } from '../../src/engine/errors';
import { assertOneTerminalPerAttempt } from '../helpers/memory-sink';
import { fakeRegistry, startGrant } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';
import { flushPromises } from '../helpers/wait-for';

/** A behaviour that never finishes on its own: it ends only when its signal aborts. */
const hang = (ctx: { signal: AbortSignal }) =>
  new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));

describe('engine: retries and timeouts (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries with exponential backoff and continues attempt numbers', async () => {
    let calls = 0;
    const { registry } = fakeRegistry({
      flaky: async () => {
        calls++;
        if (calls < 3) throw new Error(`flake ${calls}`);
        return 'finally';
      },
    });
    const { sink, done } = startGrant(workflow([{ id: 'flaky', type: 'bash', command: 'x', retry: { maxAttempts: 4, backoffSeconds: 2 } }]), { registry });
    await flushPromises();
    expect(sink.trace()).toEqual(['step.started flaky#1', 'step.failed flaky#1']);
    expect(sink.ofType('step.failed')[0]).toMatchObject({ retryInMs: 2000, error: { name: 'Error', message: 'flake 1' } });

    await vi.advanceTimersByTimeAsync(1999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    // Second backoff: 2 s * 2^(2-1).
    expect(sink.ofType('step.failed')[1]).toMatchObject({ attempt: 2, retryInMs: 4000 });
    await vi.advanceTimersByTimeAsync(3999);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(sink.trace()).toEqual([
      'step.started flaky#1',
      'step.failed flaky#1',
      'step.started flaky#2',
      'step.failed flaky#2',
      'step.started flaky#3',
      'step.succeeded flaky#3',
      'execution.finished succeeded',
    ]);
    assertOneTerminalPerAttempt(sink.events);
  });

  it('the last allowed attempt fails without retryInMs and fails the execution', async () => {
    const { registry } = fakeRegistry({
      always: async () => {
        throw new Error('nope');
      },
    });
    const { sink, done } = startGrant(workflow([{ id: 'always', type: 'bash', command: 'x', retry: { maxAttempts: 2, backoffSeconds: 1 } }]), { registry });
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(sink.ofType('step.failed').map((e) => e.retryInMs)).toEqual([1000, undefined]);
    expect(sink.finished()?.status).toBe('failed');
  });

  it('counts attempts from earlier leases against maxAttempts, but always allows one', async () => {
    const { registry, calls } = fakeRegistry({
      again: async () => {
        throw new Error('still failing');
      },
    });
    const { sink, done } = startGrant(workflow([{ id: 'again', type: 'bash', command: 'x', retry: { maxAttempts: 3, backoffSeconds: 1 } }]), {
      registry,
      grant: { attempt: 2, stepAttempts: { 'again|': 2 } },
    });
    await vi.advanceTimersByTimeAsync(60_000);
    await done;
    expect(calls).toEqual(['again']);
    expect(sink.trace()).toEqual(['step.started again#3', 'step.failed again#3', 'execution.finished failed']);
  });

  it('a cancel during the backoff ends the execution without another attempt', async () => {
    const { registry, calls } = fakeRegistry({
      flaky: async () => {
        throw new Error('flake');
      },
    });
    const { sink, engine, grant, done } = startGrant(workflow([{ id: 'flaky', type: 'bash', command: 'x', retry: { maxAttempts: 3, backoffSeconds: 10 } }]), {
      registry,
    });
    await flushPromises();
    expect(sink.ofType('step.failed')[0]?.retryInMs).toBe(10_000);
    engine.cancel({ executionId: grant.executionId, attempt: 1, reason: 'stop it' });
    await done;
    expect(calls).toEqual(['flaky']);
    expect(sink.trace()).toEqual(['step.started flaky#1', 'step.failed flaky#1', 'execution.finished canceled']);
  });

  it('RetryAfterError sets the delay', async () => {
    let calls = 0;
    const { registry } = fakeRegistry({
      limited: async () => {
        if (++calls === 1) throw new RetryAfterError('slow down', { retryAfterMs: 750 });
        return 'ok';
      },
    });
    const { sink, done } = startGrant(workflow([{ id: 'limited', type: 'bash', command: 'x', retry: { maxAttempts: 2, backoffSeconds: 60 } }]), { registry });
    await vi.advanceTimersByTimeAsync(750);
    await done;
    expect(sink.ofType('step.failed')[0]?.retryInMs).toBe(750);
    expect(sink.finished()?.status).toBe('succeeded');
  });

  it('times a step out after timeoutSeconds, aborting its signal, and retries a timeout', async () => {
    const signals: AbortSignal[] = [];
    const { registry } = fakeRegistry({
      slow: async (ctx) => {
        signals.push(ctx.signal);
        return hang(ctx);
      },
    });
    const { sink, done } = startGrant(workflow([{ id: 'slow', type: 'bash', command: 'x', timeoutSeconds: 2, retry: { maxAttempts: 2, backoffSeconds: 1 } }]), {
      registry,
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(sink.ofType('step.failed')[0]).toMatchObject({
      attempt: 1,
      retryInMs: 1000,
      error: { name: 'StepTimeoutError', message: 'step slow timed out after 2 s', code: 'step_timeout' },
    });
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    await done;
    expect(sink.trace()).toEqual(['step.started slow#1', 'step.failed slow#1', 'step.started slow#2', 'step.failed slow#2', 'execution.finished failed']);
    assertOneTerminalPerAttempt(sink.events);
  });

  it('uses the catalogue default timeout when the step sets none', async () => {
    const { registry } = fakeRegistry({ slow: async (ctx) => hang(ctx) });
    const { sink, done } = startGrant(workflow([{ id: 'slow', type: 'bash', command: 'x' }]), { registry });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(sink.ofType('step.failed')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(sink.ofType('step.failed')[0]?.error.message).toBe('step slow timed out after 60 s');
  });

  it('a step that ignores its signal is abandoned after the grace period', async () => {
    const { registry } = fakeRegistry({ stubborn: () => new Promise(() => {}) });
    const { sink, done } = startGrant(workflow([{ id: 'stubborn', type: 'bash', command: 'x', timeoutSeconds: 1 }]), { registry, graceMs: 500 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.ofType('step.failed')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    await done;
    expect(sink.ofType('step.failed')[0]?.error.code).toBe('step_timeout');
  });

  it('a container timeout fails the running nested step without retrying it, then the container', async () => {
    const { registry } = fakeRegistry({ inner: async (ctx) => hang(ctx) });
    const { sink, done } = startGrant(
      workflow([{ id: 'each', type: 'loop', over: [1], timeoutSeconds: 3, steps: [{ id: 'inner', type: 'bash', command: 'x', retry: { maxAttempts: 3 } }] }]),
      { registry },
    );
    await vi.advanceTimersByTimeAsync(3000);
    await done;
    expect(sink.trace()).toEqual([
      'step.started each#1',
      'step.started inner@each[0]#1',
      'step.failed inner@each[0]#1',
      'step.failed each#1',
      'execution.finished failed',
    ]);
    expect(sink.ofType('step.failed')[0]?.error.message).toBe('step each timed out after 3 s');
    expect(sink.ofType('step.failed')[0]?.retryInMs).toBeUndefined();
  });
});
