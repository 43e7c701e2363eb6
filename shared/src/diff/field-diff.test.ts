import { describe, expect, it } from 'vitest';
import { fieldDiff } from './field-diff';

describe('fieldDiff', () => {
  it('names leaves in the definition path notation; arrays are whole values', () => {
    const before = { command: 'a', retry: { maxAttempts: 2, backoffSeconds: 1 }, env: { 'MY-VAR': '1' }, args: [1, 2], gone: true };
    const after = { command: 'b', retry: { maxAttempts: 2 }, env: { 'MY-VAR': '2' }, args: [1, 2, 3], toolPolicy: { 'workspace:bash': 'ask' } };
    expect(fieldDiff(before, after)).toEqual([
      { kind: 'changed', path: 'command', before: 'a', after: 'b' },
      { kind: 'removed', path: 'retry.backoffSeconds', before: 1 },
      { kind: 'changed', path: 'env["MY-VAR"]', before: '1', after: '2' },
      { kind: 'changed', path: 'args', before: [1, 2], after: [1, 2, 3] },
      { kind: 'removed', path: 'gone', before: true },
      { kind: 'added', path: 'toolPolicy["workspace:bash"]', after: 'ask' },
    ]);
  });
  it('reports a value that changed kind at its own path, and nothing for equal values', () => {
    expect(fieldDiff({ over: '{{ x }}' }, { over: ['a'] })).toEqual([{ kind: 'changed', path: 'over', before: '{{ x }}', after: ['a'] }]);
    expect(fieldDiff({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 2 }] } })).toEqual([]);
    expect(fieldDiff(1, 2)).toEqual([{ kind: 'changed', path: '(root)', before: 1, after: 2 }]);
  });
});
