import { describe, expect, it, vi } from 'vitest';
import { createStepStatusStore, parseIterationPath, type StepState } from './step-status-store';

const state = (stepId: string, status: StepState['status'], extra: Partial<StepState> = {}): StepState => ({ stepId, iterationPath: '', status, ...extra });

describe('parseIterationPath', () => {
  it('reads nested loop segments', () => {
    expect(parseIterationPath('')).toEqual([]);
    expect(parseIterationPath('each[2]')).toEqual([{ loopId: 'each', index: 2 }]);
    expect(parseIterationPath('outer[1]/inner[0]')).toEqual([
      { loopId: 'outer', index: 1 },
      { loopId: 'inner', index: 0 },
    ]);
  });
});

describe('step status store', () => {
  it('notifies only the listeners of the step that changed', () => {
    const store = createStepStatusStore();
    const a = vi.fn();
    const b = vi.fn();
    store.subscribeRecords('a', a);
    store.subscribeRecords('b', b);
    store.apply(state('a', 'running'));
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).not.toHaveBeenCalled();
    expect(store.getRecords('a')).toEqual([state('a', 'running')]);
  });

  it('keeps snapshots stable while nothing changes', () => {
    const store = createStepStatusStore();
    store.apply(state('a', 'running', { startedAt: '2025-01-01T00:00:00Z' }));
    const first = store.getRecords('a');
    const listener = vi.fn();
    store.subscribeRecords('a', listener);
    store.apply(state('a', 'running', { startedAt: '2025-01-01T00:00:00Z' }));
    expect(store.getRecords('a')).toBe(first);
    expect(listener).not.toHaveBeenCalled();
    expect(store.getRecords('unknown')).toBe(store.getRecords('other'));
  });

  it('ignores older attempts and never reopens a finished attempt', () => {
    const store = createStepStatusStore();
    store.apply(state('a', 'failed', { attempt: 2 }));
    store.apply(state('a', 'running', { attempt: 1 }));
    expect(store.getRecords('a')[0]?.status).toBe('failed');
    store.apply(state('a', 'running', { attempt: 2 }));
    expect(store.getRecords('a')[0]?.status).toBe('failed');
    store.apply(state('a', 'running', { attempt: 3 }));
    expect(store.getRecords('a')[0]).toMatchObject({ status: 'running', attempt: 3 });
  });

  it('replaceAll notifies only the steps whose state differs from the snapshot', () => {
    const store = createStepStatusStore();
    store.replaceAll([state('a', 'succeeded'), state('b', 'running')]);
    const a = vi.fn();
    const b = vi.fn();
    const c = vi.fn();
    store.subscribeRecords('a', a);
    store.subscribeRecords('b', b);
    store.subscribeRecords('c', c);
    store.replaceAll([state('a', 'succeeded'), state('b', 'succeeded'), state('c', 'running')]);
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
    expect(c).toHaveBeenCalledTimes(1);
    store.replaceAll([state('c', 'running')]);
    expect(store.getRecords('a')).toEqual([]);
    expect(a).toHaveBeenCalledTimes(1);
  });

  it('collects loop iterations in order and keeps one record per iteration', () => {
    const store = createStepStatusStore();
    const listener = vi.fn();
    store.subscribeIterations('each', listener);
    store.apply(state('x', 'succeeded', { iterationPath: 'each[1]' }));
    store.apply(state('x', 'running', { iterationPath: 'each[0]' }));
    store.apply(state('y', 'running', { iterationPath: 'each[0]' }));
    expect(store.getIterations('each')).toEqual([0, 1]);
    expect(listener).toHaveBeenCalledTimes(2);
    expect(store.getRecords('x').map((r) => r.iterationPath)).toEqual(['each[0]', 'each[1]']);
  });

  it('tracks the most recently started active step', () => {
    const store = createStepStatusStore();
    store.apply(state('a', 'running', { startedAt: '2025-01-01T00:00:00Z' }));
    expect(store.getActiveStepId()).toBe('a');
    store.apply(state('b', 'waiting', { startedAt: '2025-01-01T00:00:05Z' }));
    expect(store.getActiveStepId()).toBe('b');
    store.apply(state('b', 'succeeded', { startedAt: '2025-01-01T00:00:05Z', finishedAt: '2025-01-01T00:00:06Z' }));
    expect(store.getActiveStepId()).toBe('a');
    store.apply(state('a', 'succeeded', { startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:00:07Z' }));
    expect(store.getActiveStepId()).toBeNull();
  });

  it('moves selection between steps, notifying only those two', () => {
    const store = createStepStatusStore();
    const a = vi.fn();
    const b = vi.fn();
    const c = vi.fn();
    store.subscribeSelection('a', a);
    store.subscribeSelection('b', b);
    store.subscribeSelection('c', c);
    store.select('a');
    store.select('b');
    expect(store.isSelected('a')).toBe(false);
    expect(store.isSelected('b')).toBe(true);
    expect(a).toHaveBeenCalledTimes(2);
    expect(b).toHaveBeenCalledTimes(1);
    expect(c).not.toHaveBeenCalled();
  });
});
