import { describe, expect, it } from 'vitest';
import { formatPath, joinPath } from './path';

describe('formatPath', () => {
  it.each<[PropertyKey[], string]>([
    [[], ''],
    [['name'], 'name'],
    [['steps', 2, 'then', 0, 'command'], 'steps[2].then[0].command'],
    [['inputs', 'region', 'type'], 'inputs.region.type'],
    [['steps', 0, 'env', 'MY-VAR'], 'steps[0].env["MY-VAR"]'],
    [['headers', 'a"b'], 'headers["a\\"b"]'],
    [[0], '[0]'],
  ])('%j -> %s', (segments, expected) => {
    expect(formatPath(segments)).toBe(expected);
  });

  it('joinPath appends to a formatted path', () => {
    expect(joinPath('steps[1]', ['command'])).toBe('steps[1].command');
    expect(joinPath('steps[1]', ['body', 0])).toBe('steps[1].body[0]');
    expect(joinPath('steps[1]', ['env', 'A-B'])).toBe('steps[1].env["A-B"]');
    expect(joinPath('', ['name'])).toBe('name');
    expect(joinPath('steps[1]', [])).toBe('steps[1]');
  });
});
