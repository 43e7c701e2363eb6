import { describe, expect, it } from 'vitest';
import { assertOneTerminalPerAttempt } from '../helpers/memory-sink';
import { fakeRegistry, runGrant } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';

describe('engine: loops', () => {
  it('runs the body per element of an inline array with iteration paths, item and loop.index', async () => {
    const { sink } = await runGrant(
      workflow([
        {
          id: 'each',
          type: 'loop',
          over: ['a', 'b'],
          steps: [
            { id: 'say', type: 'bash', command: 'echo {{ loop.index }}:{{ item }}' },
            { id: 'echo', type: 'bash', command: 'after {{ steps.say.output.out }}' },
          ],
        },
      ]),
    );
    expect(sink.trace()).toEqual([
      'step.started each#1',
      'step.started say@each[0]#1',
      'step.succeeded say@each[0]#1',
      'step.started echo@each[0]#1',
      'step.succeeded echo@each[0]#1',
      'step.started say@each[1]#1',
      'step.succeeded say@each[1]#1',
      'step.started echo@each[1]#1',
      'step.succeeded echo@each[1]#1',
      'step.succeeded each#1',
      'execution.finished succeeded',
    ]);
    expect(sink.finished()?.output).toEqual({
      count: 2,
      results: [
        { say: { out: 'echo 0:a' }, echo: { out: 'after echo 0:a' } },
        { say: { out: 'echo 1:b' }, echo: { out: 'after echo 1:b' } },
      ],
    });
    assertOneTerminalPerAttempt(sink.events);
  });

  it('evaluates `over` as an expression and binds the `as` name', async () => {
    const { sink } = await runGrant(
      workflow(
        [
          { id: 'list', type: 'bash', command: 'x' },
          {
            id: 'each_user',
            type: 'loop',
            over: 'inputs.users',
            as: 'user',
            steps: [{ id: 'greet', type: 'bash', command: 'hi {{ user.name }} #{{ loop.index }}' }],
          },
        ],
        { inputs: { users: { type: 'array' } } },
      ),
      { grant: { inputs: { users: [{ name: 'ada' }, { name: 'bob' }, { name: 'cy' }] } } },
    );
    expect(sink.finished()?.output).toEqual({
      count: 3,
      results: [{ greet: { out: 'hi ada #0' } }, { greet: { out: 'hi bob #1' } }, { greet: { out: 'hi cy #2' } }],
    });
  });

  it('joins nested iteration paths with / and keeps the outer name readable', async () => {
    const { sink } = await runGrant(
      workflow([
        {
          id: 'outer',
          type: 'loop',
          over: [1, 2],
          as: 'row',
          steps: [{ id: 'inner', type: 'loop', over: ['x', 'y'], steps: [{ id: 'cell', type: 'bash', command: 'echo {{ row }}{{ item }}' }] }],
        },
      ]),
    );
    expect(
      sink
        .ofType('step.succeeded')
        .filter((e) => e.stepId === 'cell')
        .map((e) => e.iterationPath),
    ).toEqual(['outer[0]/inner[0]', 'outer[0]/inner[1]', 'outer[1]/inner[0]', 'outer[1]/inner[1]']);
    expect(
      sink
        .ofType('step.started')
        .filter((e) => e.stepId === 'inner')
        .map((e) => e.iterationPath),
    ).toEqual(['outer[0]', 'outer[1]']);
    expect(sink.finished()?.output).toEqual({
      count: 2,
      results: [
        { inner: { count: 2, results: [{ cell: { out: 'echo 1x' } }, { cell: { out: 'echo 1y' } }] } },
        { inner: { count: 2, results: [{ cell: { out: 'echo 2x' } }, { cell: { out: 'echo 2y' } }] } },
      ],
    });
    assertOneTerminalPerAttempt(sink.events);
  });

  it('an empty array runs nothing and succeeds with count 0', async () => {
    const { sink } = await runGrant(workflow([{ id: 'each', type: 'loop', over: [], steps: [{ id: 'x', type: 'bash', command: 'x' }] }]));
    expect(sink.trace()).toEqual(['step.started each#1', 'step.succeeded each#1', 'execution.finished succeeded']);
    expect(sink.finished()?.output).toEqual({ count: 0, results: [] });
  });

  it('fails, without retrying, when `over` is not an array', async () => {
    const { sink } = await runGrant(
      workflow([{ id: 'each', type: 'loop', over: 'inputs.n', retry: { maxAttempts: 3 }, steps: [{ id: 'x', type: 'bash', command: 'x' }] }], {
        inputs: { n: { type: 'number' } },
      }),
      { grant: { inputs: { n: 3 } } },
    );
    expect(sink.trace()).toEqual(['step.started each#1', 'step.failed each#1', 'execution.finished failed']);
    expect(sink.ofType('step.failed')[0]?.error).toEqual({
      name: 'NonRetriableStepError',
      message: 'loop each: "inputs.n" must evaluate to an array, got a number',
      code: 'loop_not_array',
    });
  });

  it('fails when the array is longer than maxIterations', async () => {
    const { sink } = await runGrant(
      workflow([{ id: 'each', type: 'loop', over: 'inputs.items', maxIterations: 2, steps: [{ id: 'x', type: 'bash', command: 'x' }] }], {
        inputs: { items: { type: 'array' } },
      }),
      { grant: { inputs: { items: [1, 2, 3] } } },
    );
    expect(sink.trace()).toEqual(['step.started each#1', 'step.failed each#1', 'execution.finished failed']);
    expect(sink.ofType('step.failed')[0]?.error.message).toBe('loop each: 3 items exceed maxIterations (2)');
  });

  it('applies the default maxIterations of 1000', async () => {
    const { registry, calls } = fakeRegistry();
    const { sink } = await runGrant(
      workflow([{ id: 'each', type: 'loop', over: 'inputs.items', steps: [{ id: 'x', type: 'bash', command: 'x' }] }], {
        inputs: { items: { type: 'array' } },
      }),
      { registry, grant: { inputs: { items: Array.from({ length: 1001 }, (_, i) => i) } } },
    );
    expect(calls).toEqual([]);
    expect(sink.ofType('step.failed')[0]?.error.code).toBe('loop_too_many_iterations');
  });

  it('a failure inside an iteration stops the loop and names the iteration', async () => {
    const { registry, calls } = fakeRegistry({
      work: async (ctx) => {
        if (ctx.iterationPath === 'each[1]') throw new Error('bad item');
        return 'ok';
      },
    });
    const { sink } = await runGrant(workflow([{ id: 'each', type: 'loop', over: [1, 2, 3], steps: [{ id: 'work', type: 'bash', command: 'x' }] }]), {
      registry,
    });
    expect(calls).toEqual(['work@each[0]', 'work@each[1]']);
    expect(sink.finished()?.error?.message).toBe('step work (each[1]) failed: bad item');
    assertOneTerminalPerAttempt(sink.events);
  });

  it('marks the body of a skipped loop skipped too', async () => {
    const { sink } = await runGrant(workflow([{ id: 'each', type: 'loop', if: 'false', over: [1], steps: [{ id: 'x', type: 'bash', command: 'x' }] }]));
    expect(sink.trace()).toEqual(['step.skipped each', 'step.skipped x', 'execution.finished succeeded']);
    expect(sink.ofType('step.skipped')[1]?.reason).toBe('step each was skipped');
  });
});
