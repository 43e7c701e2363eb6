import type { WorkflowDefinition } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { checkStepScopedEdit } from './step-scope';

const BEFORE: WorkflowDefinition = {
  name: 'w',
  description: 'd',
  steps: [
    { id: 'fetch', type: 'http', method: 'GET', url: 'https://example.com' },
    {
      id: 'each',
      type: 'loop',
      over: ['a', 'b'],
      steps: [
        { id: 'inner', type: 'bash', command: 'echo {{ item }}' },
        { id: 'inner_note', type: 'notify', message: 'x' },
      ],
    },
    { id: 'notify', type: 'notify', message: 'done' },
  ],
};

const clone = (): WorkflowDefinition => JSON.parse(JSON.stringify(BEFORE)) as WorkflowDefinition;

describe('checkStepScopedEdit', () => {
  it('accepts a change of the chosen step only', () => {
    const after = clone();
    after.steps[0] = { id: 'fetch', type: 'http', method: 'POST', url: 'https://example.com/other' };
    expect(checkStepScopedEdit(BEFORE, after, 'fetch')).toEqual({ ok: true });
  });

  it('accepts a change of a nested step (its loop is otherwise unchanged)', () => {
    const after = clone();
    const loop = after.steps[1]!;
    if (loop.type !== 'loop') throw new Error('fixture');
    loop.steps[0] = { id: 'inner', type: 'bash', command: 'ls {{ item }}' };
    expect(checkStepScopedEdit(BEFORE, after, 'inner')).toEqual({ ok: true });
  });

  it('accepts a no-op and ignores key order', () => {
    const after: WorkflowDefinition = { steps: BEFORE.steps, description: 'd', name: 'w' };
    expect(checkStepScopedEdit(BEFORE, after, 'notify')).toEqual({ ok: true });
  });

  it('names another step that changed', () => {
    const after = clone();
    after.steps[2] = { id: 'notify', type: 'notify', message: 'changed' };
    expect(checkStepScopedEdit(BEFORE, after, 'fetch')).toEqual({
      ok: false,
      errors: [{ path: 'steps[2]', message: 'step `notify` changed; only `fetch` may change' }],
    });
  });

  it('names a changed top-level field', () => {
    const after = { ...clone(), name: 'renamed', requires: ['github'] };
    expect(checkStepScopedEdit(BEFORE, after, 'fetch')).toEqual({
      ok: false,
      errors: [
        { path: 'name', message: 'field `name` changed; only `fetch` may change' },
        { path: 'requires', message: 'field `requires` changed; only `fetch` may change' },
      ],
    });
  });

  it('rejects a changed sibling of the edited nested step, reported on the step itself and its loop', () => {
    const after = clone();
    const loop = after.steps[1]!;
    if (loop.type !== 'loop') throw new Error('fixture');
    loop.steps[1] = { id: 'inner_note', type: 'notify', message: 'y' };
    const result = checkStepScopedEdit(BEFORE, after, 'inner');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.message)).toEqual([
      'step `each` changed; only `inner` may change',
      'step `inner_note` changed; only `inner` may change',
    ]);
  });

  it('rejects moving or renaming the edited step', () => {
    const moved = clone();
    moved.steps = [moved.steps[1]!, moved.steps[0]!, moved.steps[2]!];
    expect(checkStepScopedEdit(BEFORE, moved, 'fetch')).toMatchObject({
      ok: false,
      errors: [
        { path: 'steps[1]', message: expect.stringMatching(/step `fetch` moved from steps\[0\] to steps\[1\]/) },
        { message: expect.stringMatching(/step `each` moved/) },
      ],
    });
    const renamed = clone();
    renamed.steps[0] = { id: 'fetch_2', type: 'http', method: 'GET', url: 'https://example.com' };
    expect(checkStepScopedEdit(BEFORE, renamed, 'fetch')).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringMatching(/step `fetch` was removed or lost its id/) }, { message: 'step `fetch_2` was added; only `fetch` may change' }],
    });
  });

  it('rejects added and removed steps elsewhere, but lets the edited loop gain nested steps', () => {
    const added = clone();
    added.steps.push({ id: 'extra', type: 'wait', seconds: 1 });
    expect(checkStepScopedEdit(BEFORE, added, 'fetch')).toMatchObject({
      ok: false,
      errors: [{ path: 'steps[3]', message: 'step `extra` was added; only `fetch` may change' }],
    });

    const removed = clone();
    removed.steps.pop();
    expect(checkStepScopedEdit(BEFORE, removed, 'fetch')).toMatchObject({
      ok: false,
      errors: [{ path: 'steps[2]', message: 'step `notify` was removed; only `fetch` may change' }],
    });

    const grown = clone();
    const loop = grown.steps[1]!;
    if (loop.type !== 'loop') throw new Error('fixture');
    loop.steps.push({ id: 'more', type: 'wait', seconds: 1 });
    expect(checkStepScopedEdit(BEFORE, grown, 'each')).toEqual({ ok: true });
  });

  it('rejects an unknown step id', () => {
    expect(checkStepScopedEdit(BEFORE, clone(), 'nope')).toEqual({ ok: false, errors: [{ path: '', message: 'there is no step `nope` to edit' }] });
  });
});
