import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepEqual } from '../diff/field-diff';
import { walkSteps } from '../workflow/walk';
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

  it('re-runs an earlier container a fix moved a step out of: its recorded result included that step', () => {
    const nested = def([bash('a'), loop('each', [bash('x'), bash('y')]), bash('b'), bash('c')]);
    // The fix moves `y` out of `each` to after the failed step `b`: `each` now runs without it.
    const moved = def([bash('a'), loop('each', [bash('x')]), bash('b'), bash('y'), bash('c')]);
    expect(fixRerunFromStep(nested, moved, 'b')).toBe('each');
    // And into an earlier container: the same.
    expect(fixRerunFromStep(moved, nested, 'b')).toBe('each');
  });

  /** A definition from unique ids: each step top-level, or nested in a loop (the previous one, or a new `L<id>`). */
  const definitionArb = fc
    .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { maxLength: 6 })
    .chain((ids) =>
      fc.tuple(
        fc.constant(ids),
        fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length }),
        fc.array(fc.constantFrom('echo x', 'echo y'), { minLength: ids.length, maxLength: ids.length }),
      ),
    )
    .map(([ids, nest, commands]) => {
      const steps: { id: string; type: string; steps?: unknown[] }[] = [];
      ids.forEach((id, i) => {
        const last = steps.at(-1);
        if (!nest[i]) steps.push(bash(id, commands[i]));
        else if (last?.type === 'loop') last.steps!.push(bash(id, commands[i]));
        else steps.push(loop(`L${id}`, [bash(id, commands[i])]));
      });
      return def(steps);
    });
  const idsOf = (d: { steps: never[] }) => {
    const ids: string[] = [];
    walkSteps(d.steps, ({ step }) => {
      ids.push(step.id);
    });
    return ids;
  };

  it('property: the top-level steps it reuses are exactly those of the run, in place, it never starts after the failed step, and it starts as late as it may', () => {
    fc.assert(
      fc.property(definitionArb, definitionArb, fc.nat(), (before: any, after: any, pick) => {
        const ids = idsOf(after);
        const failed = ids.length > 0 ? ids[pick % ids.length]! : 'gone';
        const from = fixRerunFromStep(before, after, failed);
        const at = from === null ? after.steps.length : after.steps.findIndex((s: any) => s.id === from);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(deepEqual(after.steps.slice(0, at), before.steps.slice(0, at))).toBe(true);
        const holder = after.steps.findIndex((s: any) => idsOf(def([s]) as any).includes(failed));
        if (holder >= 0) expect(at).toBeLessThanOrEqual(holder);
        // As late as possible (the inputs never change here): the step it starts at is the failed
        // step's holder or differs from the run's at that place, so starting one later would reuse a stale result.
        if (from !== null) expect(at === holder || !deepEqual(after.steps[at], before.steps[at])).toBe(true);
      }),
    );
  });
});
