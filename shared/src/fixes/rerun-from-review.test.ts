import { describe, expect, it } from 'vitest';
import { fixRerunFromStep } from './rerun-from';

const bash = (id: string, command = 'echo hi') => ({ id, type: 'bash', command }) as never;
const loop = (id: string, steps: unknown[]) => ({ id, type: 'loop', items: '{{ [1, 2] }}', steps }) as never;
const def = (steps: unknown[]) => ({ name: 'w', steps }) as never;

describe('fixRerunFromStep (review)', () => {
  it('re-runs an earlier container a fix moved a step out of: its recorded result included that step', () => {
    const before = def([bash('a'), loop('each', [bash('x'), bash('y')]), bash('b'), bash('c')]);
    // The fix moves `y` out of `each` to after the failed step `b`: `each` now runs without it.
    const after = def([bash('a'), loop('each', [bash('x')]), bash('b'), bash('y'), bash('c')]);
    expect(fixRerunFromStep(before, after, 'b')).toBe('each');
  });
});
