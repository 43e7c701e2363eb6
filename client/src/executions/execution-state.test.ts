import type { Execution, JournalEventEnvelope } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { applyExecutionEvents, createExecutionState, MAX_LOG_CHARS, runKey } from './execution-state';

const AT = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const execution: Execution = {
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 2,
  workflowName: 'Deploy',
  status: 'running',
  inputs: { env: 'prod' },
  trigger: null,
  sessionId: null,
  createdAt: AT(0),
  startedAt: AT(0),
  finishedAt: null,
  steps: [{ stepId: 'build', iterationPath: '', attempt: 1, status: 'running', startedAt: AT(1), finishedAt: null, input: { command: 'make' } }],
};
let seq = 0;
const ev = (type: string, data: unknown): JournalEventEnvelope => ({ topic: 'execution:ex_1', seq: ++seq, type, at: AT(seq), data });
const step = (extra: Record<string, unknown>) => ({
  executionId: 'ex_1',
  stepId: 'build',
  iterationPath: '',
  attempt: 1,
  status: 'running',
  startedAt: AT(1),
  finishedAt: null,
  ...extra,
});
const summary = (status: string, extra: Record<string, unknown> = {}) => {
  const { steps: _steps, ...rest } = execution;
  return { ...rest, status, ...extra };
};

describe('execution state', () => {
  it('applies step updates, keeps a finished attempt finished and the snapshot input', () => {
    const state = createExecutionState(execution);
    const done = applyExecutionEvents(state, [
      ev('step.updated', step({ status: 'succeeded', finishedAt: AT(5), output: { stdout: 'ok\n', stderr: '', exitCode: 0 } })),
    ]);
    expect(done.changedRuns).toHaveLength(1);
    const run = done.state.runs.get(runKey({ stepId: 'build', iterationPath: '', attempt: 1 }));
    expect(run).toMatchObject({ status: 'succeeded', input: { command: 'make' }, output: { stdout: 'ok\n' } });
    // A late (replayed) running event changes nothing.
    const replay = applyExecutionEvents(done.state, [ev('step.updated', step({ status: 'running' }))]);
    expect(replay.changed).toBe(false);
    expect(replay.state.runs.get(runKey({ stepId: 'build', iterationPath: '', attempt: 1 }))?.status).toBe('succeeded');
    // A retry is a new attempt beside the first.
    const retry = applyExecutionEvents(replay.state, [ev('step.updated', step({ attempt: 2, startedAt: AT(9) }))]);
    expect(retry.state.runs.size).toBe(2);
  });

  it('never reopens a finished execution, and takes the newest summary otherwise', () => {
    const state = createExecutionState(execution);
    const waiting = applyExecutionEvents(state, [ev('execution.updated', summary('waiting', { workflowName: undefined }))]);
    expect(waiting.state.summary).toMatchObject({ status: 'waiting', workflowName: 'Deploy' });
    const finished = applyExecutionEvents(waiting.state, [
      ev('execution.updated', summary('succeeded', { finishedAt: AT(30) })),
      ev('execution.updated', summary('running')),
    ]);
    expect(finished.state.summary.status).toBe('succeeded');
  });

  it('collects live logs per attempt, merging chunks of one stream and keeping the tail', () => {
    let state = createExecutionState(execution);
    const log = (stream: string, text: string) => ev('step.log', { executionId: 'ex_1', stepId: 'build', iterationPath: '', attempt: 1, stream, text });
    const events = [log('stdout', 'compiling\n'), log('stdout', 'linking\n'), log('stderr', 'warning: x\n')];
    state = applyExecutionEvents(state, events).state;
    expect(state.logs.get(runKey({ stepId: 'build', iterationPath: '', attempt: 1 }))).toEqual([
      { stream: 'stdout', text: 'compiling\nlinking\n' },
      { stream: 'stderr', text: 'warning: x\n' },
    ]);
    // Events at or below the applied seq (a resubscription replaying) are not appended twice.
    expect(applyExecutionEvents(state, events).changed).toBe(false);
    const big = applyExecutionEvents(state, [log('stderr', 'y'.repeat(MAX_LOG_CHARS))]).state.logs.get(
      runKey({ stepId: 'build', iterationPath: '', attempt: 1 }),
    )!;
    expect(big.reduce((n, c) => n + c.text.length, 0)).toBe(MAX_LOG_CHARS);
    expect(big.at(-1)?.text.endsWith('y')).toBe(true);
  });

  it("starts from the logs a compacted run's snapshot carries", () => {
    const log = [{ stream: 'stdout', text: 'built\n' }];
    const compacted: Execution = { ...execution, status: 'succeeded', steps: [{ ...execution.steps[0]!, status: 'succeeded', log }] };
    const state = createExecutionState(compacted);
    expect(state.logs.get(runKey(compacted.steps[0]!))).toEqual(log);
    expect(createExecutionState(execution).logs.size).toBe(0);
  });

  it('tracks the run approvals; a decision is never undone by a replayed request', () => {
    const approval = {
      id: 'apr_1',
      executionId: 'ex_1',
      workflowId: 'wf_1',
      stepId: 'ok',
      iterationPath: '',
      message: 'Go?',
      approvers: [],
      requestedAt: AT(3),
      expiresAt: AT(999),
      status: 'pending',
    };
    const decided = { ...approval, status: 'approved', decision: { decision: 'approve', decidedBy: 'owner', decidedAt: AT(4), comment: null } };
    let state = createExecutionState(execution);
    state = applyExecutionEvents(state, [ev('approval.requested', approval), ev('approval.decided', decided)]).state;
    const replay = applyExecutionEvents(state, [ev('approval.requested', approval)]);
    expect(replay.state.approvals.get('apr_1')).toMatchObject({ kind: 'step', status: 'approved' });
  });
});
