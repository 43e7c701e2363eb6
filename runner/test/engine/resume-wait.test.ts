import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertOneTerminalPerAttempt } from '../helpers/memory-sink';
import { fakeRegistry, runGrant } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';

describe('engine: resuming from `completed`', () => {
  it('reuses completed outputs without running or reporting those steps again', async () => {
    const { registry, calls } = fakeRegistry();
    const { sink } = await runGrant(
      workflow([
        { id: 'build', type: 'bash', command: 'build' },
        { id: 'test', type: 'bash', command: 'tested {{ steps.build.output.artifact }}' },
      ]),
      {
        registry,
        grant: {
          attempt: 2,
          completed: [{ stepId: 'build', iterationPath: '', status: 'succeeded', attempt: 1, output: { artifact: 'app.tgz' } }],
          stepAttempts: { 'build|': 1, 'test|': 1 },
        },
      },
    );
    expect(calls).toEqual(['test']);
    // `test` was interrupted at attempt 1 in the earlier lease: this is attempt 2.
    expect(sink.trace()).toEqual(['step.started test#2', 'step.succeeded test#2', 'execution.finished succeeded']);
    expect(sink.finished()?.output).toEqual({ out: 'tested app.tgz' });
  });

  it('restores loop iterations and branch outputs from completed records', async () => {
    const { registry, calls } = fakeRegistry();
    const { sink } = await runGrant(
      workflow([
        {
          id: 'pick',
          type: 'conditional',
          condition: 'true',
          then: [{ id: 'chosen', type: 'bash', command: 'x' }],
          else: [{ id: 'other', type: 'bash', command: 'y' }],
        },
        { id: 'each', type: 'loop', over: ['a', 'b'], steps: [{ id: 'work', type: 'bash', command: 'echo {{ item }}' }] },
        { id: 'sum', type: 'bash', command: 'echo {{ steps.chosen.output.out }} {{ steps.other.status }} {{ steps.each.output.results }}' },
      ]),
      {
        registry,
        grant: {
          completed: [
            { stepId: 'chosen', iterationPath: '', status: 'succeeded', attempt: 1, output: { out: 'C' } },
            { stepId: 'other', iterationPath: '', status: 'skipped', attempt: 0 },
            { stepId: 'pick', iterationPath: '', status: 'succeeded', attempt: 1, output: { branch: 'then' } },
            { stepId: 'work', iterationPath: 'each[0]', status: 'succeeded', attempt: 1, output: { out: 'A!' } },
          ],
          stepAttempts: { 'pick|': 1, 'chosen|': 1, 'each|': 1, 'work|each[0]': 1, 'work|each[1]': 1 },
        },
      },
    );
    expect(calls).toEqual(['work@each[1]', 'sum']);
    expect(sink.trace()).toEqual([
      'step.started each#2',
      'step.started work@each[1]#2',
      'step.succeeded work@each[1]#2',
      'step.succeeded each#2',
      'step.started sum#1',
      'step.succeeded sum#1',
      'execution.finished succeeded',
    ]);
    expect(sink.finished()?.output).toEqual({ out: 'echo C skipped [{"work":{"out":"A!"}},{"work":{"out":"echo b"}}]' });
  });

  it('a step that failed for good in an earlier lease fails the execution again without running', async () => {
    const { registry, calls } = fakeRegistry();
    const { sink } = await runGrant(
      workflow([
        { id: 'gate', type: 'approval', message: 'ok?' },
        { id: 'next', type: 'bash', command: 'x' },
      ]),
      {
        registry,
        grant: {
          completed: [{ stepId: 'gate', iterationPath: '', status: 'failed', attempt: 1, error: { name: 'ApprovalDenied', message: 'denied by ana' } }],
        },
      },
    );
    expect(calls).toEqual([]);
    expect(sink.trace()).toEqual(['execution.finished failed']);
    expect(sink.finished()?.error).toMatchObject({ name: 'ApprovalDenied', message: 'step gate failed: denied by ana' });
  });
});

describe('engine: approval and wait hand the execution back', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('approval emits step.waiting with defaults and stops the execution', async () => {
    const { registry, calls } = fakeRegistry();
    const { sink } = await runGrant(
      workflow([
        { id: 'prepare', type: 'bash', command: 'v1.2' },
        { id: 'gate', type: 'approval', message: 'Ship {{ steps.prepare.output.out }}?' },
        { id: 'ship', type: 'bash', command: 'ship' },
      ]),
      { registry },
    );
    expect(calls).toEqual(['prepare']);
    expect(sink.trace()).toEqual(['step.started prepare#1', 'step.succeeded prepare#1', 'step.started gate#1', 'step.waiting gate#1']);
    expect(sink.ofType('step.waiting')[0]?.wait).toEqual({
      kind: 'approval',
      message: 'Ship v1.2?',
      approvers: {},
      minApprovals: 1,
      allowSelfApproval: false,
      timeoutSeconds: 604800,
      onDeny: 'fail',
      onTimeout: 'fail',
    });
    expect(sink.finished()).toBeUndefined();
    expect(sink.closed).toHaveLength(1);
    assertOneTerminalPerAttempt(sink.events);
  });

  it('approval passes approvers, timeout and policies through', async () => {
    const { sink } = await runGrant(
      workflow([
        {
          id: 'gate',
          type: 'approval',
          message: 'ok?',
          approvers: { users: ['ana'], roles: ['admin'] },
          minApprovals: 2,
          allowSelfApproval: true,
          timeoutSeconds: 60,
          onDeny: 'continue',
          onTimeout: 'approve',
        },
      ]),
    );
    expect(sink.ofType('step.waiting')[0]?.wait).toEqual({
      kind: 'approval',
      message: 'ok?',
      approvers: { users: ['ana'], roles: ['admin'] },
      minApprovals: 2,
      allowSelfApproval: true,
      timeoutSeconds: 60,
      onDeny: 'continue',
      onTimeout: 'approve',
    });
  });

  it('after the decision, the re-grant carries the approval as completed and the run continues', async () => {
    const { registry, calls } = fakeRegistry();
    const { sink } = await runGrant(
      workflow([
        { id: 'gate', type: 'approval', message: 'ok?' },
        { id: 'ship', type: 'bash', command: 'by {{ steps.gate.output.decidedBy }}' },
      ]),
      {
        registry,
        grant: {
          attempt: 2,
          completed: [{ stepId: 'gate', iterationPath: '', status: 'succeeded', attempt: 1, output: { approved: true, decidedBy: 'ana' } }],
          stepAttempts: { 'gate|': 1 },
        },
      },
    );
    expect(calls).toEqual(['ship']);
    expect(sink.finished()?.output).toEqual({ out: 'by ana' });
  });

  it('wait emits a timer at now + seconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
    const { sink } = await runGrant(
      workflow([
        { id: 'pause', type: 'wait', seconds: 90 },
        { id: 'after', type: 'bash', command: 'x' },
      ]),
    );
    expect(sink.trace()).toEqual(['step.started pause#1', 'step.waiting pause#1']);
    expect(sink.ofType('step.waiting')[0]?.wait).toEqual({ kind: 'timer', wakeAt: '2030-01-01T00:01:30.000Z' });
  });

  it('wait until a future instant emits it; one in the past succeeds at once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
    const future = await runGrant(workflow([{ id: 'pause', type: 'wait', until: '2030-01-02T10:00:00+02:00' }]));
    expect(future.sink.ofType('step.waiting')[0]?.wait).toEqual({ kind: 'timer', wakeAt: '2030-01-02T08:00:00.000Z' });
    const past = await runGrant(workflow([{ id: 'pause', type: 'wait', until: '2029-01-01T00:00:00Z' }]));
    expect(past.sink.trace()).toEqual(['step.started pause#1', 'step.succeeded pause#1', 'execution.finished succeeded']);
    expect(past.sink.finished()?.output).toEqual({ waitedUntil: '2029-01-01T00:00:00.000Z', resumedAt: '2030-01-01T00:00:00.000Z' });
  });

  it('a wait inside a loop stops everything; the loop is left open for the next lease', async () => {
    const { sink } = await runGrant(workflow([{ id: 'each', type: 'loop', over: [1, 2], steps: [{ id: 'pause', type: 'wait', seconds: 5 }] }]));
    expect(sink.trace()).toEqual(['step.started each#1', 'step.started pause@each[0]#1', 'step.waiting pause@each[0]#1']);
    assertOneTerminalPerAttempt(sink.events, { allowOpen: ['each|'] });
  });
});
