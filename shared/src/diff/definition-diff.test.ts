import { describe, expect, it } from 'vitest';
import { diffDefinitions } from './definition-diff';

const base = {
  name: 'W',
  steps: [
    { id: 'a', type: 'bash', command: 'echo a' },
    { id: 'c', type: 'conditional', condition: 'true', then: [{ id: 'b', type: 'bash', command: 'echo b' }] },
  ],
};

describe('diffDefinitions', () => {
  it('is empty for equal definitions', () => {
    expect(diffDefinitions(base, JSON.parse(JSON.stringify(base)))).toEqual([]);
  });
  it('reports field, added, removed and changed steps; a step whose neighbour was removed has not moved', () => {
    const next = {
      name: 'W2',
      steps: [
        { id: 'c', type: 'conditional', condition: 'false', then: [{ id: 'b', type: 'bash', command: 'echo B' }] },
        { id: 'd', type: 'notify', message: 'hi' },
      ],
    };
    const changes = diffDefinitions(base, next);
    expect(changes).toContainEqual({ kind: 'field', path: 'name', before: 'W', after: 'W2' });
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'step_added', stepId: 'd' }));
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'step_removed', stepId: 'a' }));
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'step_changed', stepId: 'c', fields: ['condition'] }));
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'step_changed', stepId: 'b', fields: ['command'] }));
    expect(changes.filter((c) => c.kind === 'step_moved')).toEqual([]);
  });
  it('reports a reorder as the fewest moves, and a move to another list', () => {
    const before = {
      steps: [
        { id: 'a', type: 'bash', command: 'x' },
        { id: 'b', type: 'bash', command: 'x' },
        { id: 'c', type: 'bash', command: 'x' },
        { id: 'k', type: 'conditional', condition: 'true', then: [{ id: 'd', type: 'bash', command: 'x' }] },
      ],
    };
    const after = {
      steps: [
        { id: 'b', type: 'bash', command: 'x' },
        { id: 'c', type: 'bash', command: 'x' },
        { id: 'a', type: 'bash', command: 'x' },
        { id: 'd', type: 'bash', command: 'x' },
        { id: 'k', type: 'conditional', condition: 'true', then: [{ id: 'e', type: 'bash', command: 'x' }] },
      ],
    };
    const moved = diffDefinitions(before, after).filter((c) => c.kind === 'step_moved');
    expect(moved).toEqual([
      { kind: 'step_moved', stepId: 'a', from: 'steps[0]', to: 'steps[2]' },
      { kind: 'step_moved', stepId: 'd', from: 'steps[3].then[0]', to: 'steps[3]' },
    ]);
  });
  it('finds the one move in a list of thousands of steps', () => {
    const steps = Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, type: 'notify', message: 'x' }));
    const rotated = [...steps.slice(1), steps[0]!];
    expect(diffDefinitions({ steps }, { steps: rotated })).toEqual([{ kind: 'step_moved', stepId: 's0', from: 'steps[0]', to: 'steps[19999]' }]);
  });
  it('names nested fields that changed', () => {
    const before = { steps: [{ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 2 } }] };
    const after = { steps: [{ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 3 }, toolPolicy: { 'workspace:bash': 'deny' } }] };
    expect(diffDefinitions(before, after)).toContainEqual(
      expect.objectContaining({ kind: 'step_changed', stepId: 'a', fields: ['retry.maxAttempts', 'toolPolicy["workspace:bash"]'] }),
    );
  });
  it('never throws on garbage', () => {
    expect(diffDefinitions(null, 5)).toEqual([]);
    expect(diffDefinitions({ steps: 'x' }, { steps: [null, { id: 3 }] })).toEqual([]);
  });
});
