import { describe, expect, it } from 'vitest';
import { checkReferences, referenceableStepIds } from './references';
import { WorkflowDefinition } from './schema';
import { validateWorkflowDefinition } from './validate';

const bash = (id: string, command = 'true') => ({ id, type: 'bash', command });
const notify = (id: string, message: string) => ({ id, type: 'notify', message });

function errorsOf(definition: unknown): { path: string; message: string }[] {
  const result = validateWorkflowDefinition(definition);
  return result.ok ? [] : result.errors;
}

function expectOnly(definition: unknown, errors: { path: string; message: string | RegExp }[]): void {
  expect(errorsOf(definition)).toEqual(
    errors.map(({ path, message }) => ({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) })),
  );
}

describe('step references', () => {
  it('allows earlier siblings, earlier siblings of ancestors, and steps nested in them', () => {
    const definition = {
      name: 'ok',
      steps: [
        bash('first'),
        { id: 'cond', type: 'conditional', condition: 'steps.first.output.exitCode == 0', then: [bash('inner')], else: [bash('other')] },
        {
          id: 'each',
          type: 'loop',
          over: 'steps.first.output.stdout',
          steps: [
            bash('body_a', 'echo {{ steps.first.output.stdout }} {{ steps.inner.output }} {{ steps.other.status }}'),
            {
              id: 'nested',
              type: 'conditional',
              condition: 'steps.body_a.output.exitCode == 0',
              then: [notify('deep', '{{ steps.body_a.output.stdout }} {{ steps.cond.output.branch }}')],
            },
          ],
        },
        notify('after', '{{ steps.each.output.results }} {{ steps.inner.output.stdout }} {{ steps.other.output }}'),
      ],
    };
    expect(validateWorkflowDefinition(definition)).toEqual({ ok: true, definition });
  });

  it('rejects a reference to a later step', () => {
    expectOnly({ name: 'x', steps: [notify('a', '{{ steps.b.output }}'), bash('b')] }, [
      { path: 'steps[0].message', message: 'step "b" runs after this step' },
    ]);
  });

  it('rejects a reference to a step nested in a later sibling', () => {
    expectOnly({ name: 'x', steps: [notify('a', '{{ steps.inner.output }}'), { id: 'c', type: 'conditional', condition: 'true', then: [bash('inner')] }] }, [
      { path: 'steps[0].message', message: 'step "inner" runs after this step' },
    ]);
  });

  it('rejects a step referencing itself, including in its own if', () => {
    expectOnly({ name: 'x', steps: [{ ...bash('a', 'echo {{ steps.a.output }}'), if: 'steps.a.status == "succeeded"' }] }, [
      { path: 'steps[0].if', message: 'step "a" cannot reference its own output' },
      { path: 'steps[0].command', message: 'step "a" cannot reference its own output' },
    ]);
  });

  it('rejects a reference to the enclosing container', () => {
    expectOnly({ name: 'x', steps: [{ id: 'each', type: 'loop', over: [1], steps: [notify('n', '{{ steps.each.output.results }}')] }] }, [
      { path: 'steps[0].steps[0].message', message: 'step "each" contains this step; its output exists only after it finishes' },
    ]);
    expectOnly(
      {
        name: 'x',
        steps: [
          { id: 'c', type: 'conditional', condition: 'true', then: [{ id: 'l', type: 'loop', over: [1], steps: [notify('n', '{{ steps.c.output }}')] }] },
        ],
      },
      [{ path: 'steps[0].then[0].steps[0].message', message: /step "c" contains this step/ }],
    );
  });

  it("rejects a container's own expressions reading its nested steps", () => {
    expectOnly({ name: 'x', steps: [{ id: 'c', type: 'conditional', condition: 'steps.t.output == null', then: [bash('t')] }] }, [
      { path: 'steps[0].condition', message: 'step "t" is nested inside this step and has not run yet' },
    ]);
    expectOnly({ name: 'x', steps: [{ id: 'l', type: 'loop', over: 'steps.t.output', steps: [bash('t')] }] }, [
      { path: 'steps[0].over', message: /step "t" is nested inside this step/ },
    ]);
  });

  it('rejects a reference into the other branch of a conditional', () => {
    expectOnly(
      { name: 'x', steps: [{ id: 'c', type: 'conditional', condition: 'true', then: [bash('yes')], else: [notify('no', '{{ steps.yes.output }}')] }] },
      [
        {
          path: 'steps[0].else[0].message',
          message: 'step "yes" is in the "then" branch of conditional "c" and never runs together with this step\'s "else" branch',
        },
      ],
    );
  });

  it('rejects a reference into a loop body from outside the loop', () => {
    expectOnly({ name: 'x', steps: [{ id: 'each', type: 'loop', over: [1], steps: [bash('inside')] }, notify('after', '{{ steps.inside.output }}')] }, [
      { path: 'steps[1].message', message: 'step "inside" is inside loop "each"; use steps.each.output.results' },
    ]);
  });

  it('rejects a reference into an inner loop from the outer loop body, naming the inner loop', () => {
    expectOnly(
      {
        name: 'x',
        steps: [
          {
            id: 'outer',
            type: 'loop',
            over: [1],
            steps: [
              { id: 'wrap', type: 'conditional', condition: 'true', then: [{ id: 'inner', type: 'loop', over: [1], steps: [bash('deep')] }] },
              notify('later', '{{ steps.deep.output }} {{ steps.inner.output }}'),
            ],
          },
        ],
      },
      [{ path: 'steps[0].steps[1].message', message: 'step "deep" is inside loop "inner"; use steps.inner.output.results' }],
    );
  });

  it('names the outermost loop when the target sits in nested loops', () => {
    expectOnly(
      {
        name: 'x',
        steps: [{ id: 'a', type: 'loop', over: [1], steps: [{ id: 'b', type: 'loop', over: [1], steps: [bash('t')] }] }, notify('n', '{{ steps.t.output }}')],
      },
      [{ path: 'steps[1].message', message: /inside loop "a"; use steps\.a\.output\.results/ }],
    );
  });

  it('rejects unknown step ids', () => {
    expectOnly({ name: 'x', steps: [notify('a', '{{ steps.nope.output }}')] }, [{ path: 'steps[0].message', message: 'unknown step "nope"' }]);
  });

  it('allows bare `steps` and checks references anywhere in a body or header', () => {
    expectOnly(
      {
        name: 'x',
        steps: [
          notify('a', '{{ steps }}'),
          { id: 'h', type: 'http', method: 'POST', url: 'https://x.test', headers: { A: '{{ steps.zz.output }}' }, body: { list: ['{{ steps.h.output }}'] } },
        ],
      },
      [
        { path: 'steps[1].headers.A', message: 'unknown step "zz"' },
        { path: 'steps[1].body.list[0]', message: 'step "h" cannot reference its own output' },
      ],
    );
  });

  it('reports each distinct problem once per field', () => {
    expectOnly({ name: 'x', steps: [notify('a', '{{ steps.b.output }} {{ steps.b.status }}'), bash('b')] }, [
      { path: 'steps[0].message', message: 'step "b" runs after this step' },
    ]);
  });
});

describe('loop names', () => {
  it('allows item, loop.index and the as name inside the body, and outer names in nested loops', () => {
    const definition = {
      name: 'x',
      steps: [
        {
          id: 'outer',
          type: 'loop',
          over: '["a", "b"]',
          as: 'region',
          steps: [
            bash('use', 'echo {{ region }} {{ item }} {{ loop.index }}'),
            { id: 'inner', type: 'loop', over: 'region', steps: [notify('deep', '{{ region }}/{{ item }} #{{ loop.index }}')] },
          ],
        },
      ],
    };
    expect(validateWorkflowDefinition(definition)).toEqual({ ok: true, definition });
  });

  it('rejects item and loop outside a loop body, including in the loop’s own fields', () => {
    expectOnly(
      {
        name: 'x',
        steps: [notify('a', '{{ item }} {{ loop.index }}'), { id: 'l', type: 'loop', over: 'item', if: 'loop.index == 0', steps: [bash('b')] }],
      },
      [
        { path: 'steps[0].message', message: '"item" is only available inside a loop body' },
        { path: 'steps[0].message', message: '"loop" is only available inside a loop body' },
        { path: 'steps[1].if', message: '"loop" is only available inside a loop body' },
        { path: 'steps[1].over', message: '"item" is only available inside a loop body' },
      ],
    );
  });

  it('rejects an as name outside its loop, naming the loop', () => {
    expectOnly({ name: 'x', steps: [{ id: 'l', type: 'loop', over: [1], as: 'region', steps: [bash('b')] }, notify('a', '{{ region }}')] }, [
      { path: 'steps[1].message', message: '"region" is only available inside loop "l"' },
    ]);
  });

  it('rejects loop properties other than index', () => {
    expectOnly({ name: 'x', steps: [{ id: 'l', type: 'loop', over: [1], steps: [notify('a', '{{ loop.count }}')] }] }, [
      { path: 'steps[0].steps[0].message', message: '"loop" only has "index", not "count"' },
    ]);
  });
});

describe('roots and inputs', () => {
  it('rejects unknown root names, listing what is available', () => {
    expectOnly({ name: 'x', steps: [{ ...bash('a', 'echo {{ foo.bar }}'), if: 'undefined == null' }] }, [
      { path: 'steps[0].if', message: 'unknown name "undefined"; use null; expressions can use inputs, steps, trigger' },
      { path: 'steps[0].command', message: 'unknown name "foo"; expressions can use inputs, steps, trigger' },
    ]);
    expectOnly({ name: 'x', steps: [{ id: 'l', type: 'loop', over: [1], as: 'n', steps: [notify('a', '{{ env.HOME }}')] }] }, [
      { path: 'steps[0].steps[0].message', message: 'unknown name "env"; expressions can use inputs, steps, trigger, loop, item, n' },
    ]);
  });

  it('allows trigger and any input when no inputs are declared', () => {
    expect(errorsOf({ name: 'x', steps: [notify('a', '{{ trigger.body.x }} {{ inputs.anything }}')] })).toEqual([]);
  });

  it('rejects undeclared inputs when inputs are declared', () => {
    expectOnly({ name: 'x', inputs: { region: { type: 'string' } }, steps: [notify('a', '{{ inputs.region }} {{ inputs.regoin }} {{ inputs }}')] }, [
      { path: 'steps[0].message', message: 'unknown input "regoin"; declared inputs: region' },
    ]);
    expectOnly({ name: 'x', inputs: {}, steps: [{ ...bash('a'), if: 'inputs.x' }] }, [
      { path: 'steps[0].if', message: 'unknown input "x"; no inputs are declared' },
    ]);
  });

  it('does not mistake inherited names for declared inputs', () => {
    expectOnly({ name: 'x', inputs: { a: { type: 'string' } }, steps: [notify('a', '{{ inputs.toString }}')] }, [
      { path: 'steps[0].message', message: /unknown input "toString"/ },
    ]);
  });
});

describe('referenceableStepIds', () => {
  it('lists what a step may read', () => {
    const definition = WorkflowDefinition.parse({
      name: 'x',
      steps: [
        bash('a'),
        { id: 'c', type: 'conditional', condition: 'true', then: [bash('t1'), bash('t2')], else: [bash('e1')] },
        { id: 'l', type: 'loop', over: [1], steps: [bash('body')] },
        bash('z'),
      ],
    });
    expect(referenceableStepIds(definition, 't2')).toEqual(['a', 't1']);
    expect(referenceableStepIds(definition, 'e1')).toEqual(['a']);
    expect(referenceableStepIds(definition, 'body')).toEqual(['a', 'c', 't1', 't2', 'e1']);
    expect(referenceableStepIds(definition, 'z')).toEqual(['a', 'c', 't1', 't2', 'e1', 'l']);
    expect(referenceableStepIds(definition, 'missing')).toEqual([]);
  });

  it('checkReferences returns nothing for a clean definition', () => {
    expect(checkReferences(WorkflowDefinition.parse({ name: 'x', steps: [bash('a'), notify('b', '{{ steps.a.output.stdout }}')] }))).toEqual([]);
  });
});
