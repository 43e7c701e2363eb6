import { describe, expect, it } from 'vitest';
import { RunnerClientMessage, RunnerEvent } from './runner';

const frame = (events: unknown[]) => ({ type: 'events', id: 'f1', executionId: 'ex_1', attempt: 1, events });

describe('RunnerEvent', () => {
  it('reads every body type with its seq, defaulting the iteration path', () => {
    const bodies = [
      { type: 'step.started', stepId: 'a', attempt: 1, input: { x: 1 } },
      { type: 'step.log', stepId: 'a', attempt: 1, stream: 'stdout', text: 'hi' },
      { type: 'step.succeeded', stepId: 'a', attempt: 1, output: { deep: { list: [1, 2] } } },
      { type: 'step.failed', stepId: 'a', attempt: 1, error: { name: 'Error', message: 'no' }, retryInMs: 10 },
      { type: 'step.skipped', stepId: 'a', reason: 'condition false' },
      { type: 'step.canceled', stepId: 'a', attempt: 1, reason: 'stop' },
      { type: 'step.waiting', stepId: 'a', attempt: 1, wait: { kind: 'timer', wakeAt: '2030-01-01T00:00:00Z' } },
      { type: 'message', stepId: 'a', attempt: 1, message: { op: 'delta', key: 'k', deltaSeq: 1, partIndex: 0, delta: 'x' } },
      { type: 'execution.finished', status: 'succeeded', output: 1 },
    ];
    bodies.forEach((body, i) => {
      const parsed = RunnerEvent.parse({ ...body, seq: i + 1 });
      expect(parsed).toMatchObject({ ...body, seq: i + 1 });
      if ('stepId' in body) expect(parsed).toHaveProperty('iterationPath', '');
    });
    // Outputs come through whole, not merged or stripped.
    expect(RunnerEvent.parse({ ...bodies[2], seq: 3 })).toHaveProperty('output', { deep: { list: [1, 2] } });
  });

  it('refuses a missing or non-positive seq, an unknown type, and a body field of the wrong shape', () => {
    const ok = { type: 'step.succeeded', stepId: 'a', attempt: 1, output: null, seq: 1 };
    expect(RunnerEvent.safeParse(ok).success).toBe(true);
    const { seq: _seq, ...noSeq } = ok;
    expect(RunnerEvent.safeParse(noSeq).success).toBe(false);
    expect(RunnerEvent.safeParse({ ...ok, seq: 0 }).success).toBe(false);
    expect(RunnerEvent.safeParse({ ...ok, type: 'step.exploded' }).success).toBe(false);
    expect(RunnerEvent.safeParse({ ...ok, stepId: 'Bad Id' }).success).toBe(false);
  });

  it('is what an events frame carries: one bad event refuses the frame, naming its index', () => {
    const good = { type: 'step.started', stepId: 'a', attempt: 1, seq: 1 };
    expect(RunnerClientMessage.safeParse(frame([good])).success).toBe(true);
    const bad = RunnerClientMessage.safeParse(frame([good, { ...good, seq: 2, attempt: 0 }]));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['events', 1, 'attempt']);
  });
});
