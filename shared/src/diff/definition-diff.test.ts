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
  it('reports field, added, removed, changed and moved steps', () => {
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
    expect(changes).toContainEqual({ kind: 'step_moved', stepId: 'c', from: 'steps[1]', to: 'steps[0]' });
    expect(changes).toContainEqual({ kind: 'step_moved', stepId: 'b', from: 'steps[1].then[0]', to: 'steps[0].then[0]' });
  });
  it('never throws on garbage', () => {
    expect(diffDefinitions(null, 5)).toEqual([]);
    expect(diffDefinitions({ steps: 'x' }, { steps: [null, { id: 3 }] })).toEqual([]);
  });
});
