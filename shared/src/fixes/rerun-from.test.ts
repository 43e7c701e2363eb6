import { describe, expect, it } from 'vitest';
import { fixRerunFromStep } from './rerun-from';

const bash = (id: string, command = 'echo hi') => ({ id, type: 'bash', command }) as never;
const loop = (id: string, steps: unknown[]) => ({ id, type: 'loop', items: '{{ [1, 2] }}', steps }) as never;
const def = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ name: 'w', steps, ...extra }) as never;

describe('fixRerunFromStep', () => {
  const before = def([bash('a'), bash('b'), bash('c'), bash('d')]);

  it('re-runs from the failed step when the fix changes it or something after it', () => {
    expect(fixRerunFromStep(before, before, 'c')).toBe('c');
    expect(fixRerunFromStep(before, def([bash('a'), bash('b'), bash('c', 'echo fixed'), bash('d')]), 'c')).toBe('c');
    expect(fixRerunFromStep(before, def([bash('a'), bash('b'), bash('c'), bash('d', 'echo later')]), 'c')).toBe('c');
  });

  it('re-runs from an earlier step the fix changed, added or removed, so no stale result is reused', () => {
    expect(fixRerunFromStep(before, def([bash('a'), bash('b', 'echo fed'), bash('c'), bash('d')]), 'c')).toBe('b');
    expect(fixRerunFromStep(before, def([bash('a'), bash('new'), bash('b'), bash('c'), bash('d')]), 'c')).toBe('new');
    expect(fixRerunFromStep(before, def([bash('a'), bash('c'), bash('d')]), 'c')).toBe('c');
    expect(fixRerunFromStep(before, def([bash('b'), bash('c'), bash('d')]), 'd')).toBe('b');
  });

  it('names the top-level container of a nested failed step', () => {
    const nested = def([bash('a'), loop('each', [bash('inner')]), bash('z')]);
    expect(fixRerunFromStep(nested, nested, 'inner')).toBe('each');
    const edited = def([bash('a'), loop('each', [bash('inner', 'echo ok')]), bash('z')]);
    expect(fixRerunFromStep(nested, edited, 'z')).toBe('each');
  });

  it('starts from the first step when the inputs changed, and gives null when nothing is left to run', () => {
    const withInputs = def([bash('a'), bash('b')], { inputs: { n: { type: 'number', default: 1 } } });
    const changed = def([bash('a'), bash('b')], { inputs: { n: { type: 'number', default: 2 } } });
    expect(fixRerunFromStep(withInputs, changed, 'b')).toBe('a');
    expect(fixRerunFromStep(before, def([]), 'c')).toBeNull();
  });
});
