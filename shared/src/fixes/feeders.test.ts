import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixFeederIds } from './feeders';
import { toFixValue } from './fix-value';

const def = (steps: unknown[]) => ({ name: 'w', steps }) as never;

describe('fixFeederIds', () => {
  const steps = [
    { id: 'measure', type: 'bash', command: 'df' },
    { id: 'host', type: 'bash', command: 'hostname' },
    { id: 'unused', type: 'bash', command: 'true' },
    {
      id: 'check',
      type: 'bash',
      if: 'steps.host.output.exitCode == 0',
      command: 'test "$USED" -lt 90',
      env: { USED: '{{ steps.measure.output.stdout }}', AGAIN: '{{ steps.measure.output.stderr }} {{ inputs.limit }}' },
    },
    { id: 'each', type: 'loop', over: 'steps.measure.output.lines', steps: [{ id: 'inner', type: 'bash', command: 'echo {{ steps.host.output.stdout }}' }] },
  ];

  it('names the steps the failed step reads, in first-named order, once each', () => {
    expect(fixFeederIds(def(steps), 'check')).toEqual(['host', 'measure']);
  });

  it('reads only the step itself: a container is fed by its own expressions, a nested step by its own', () => {
    expect(fixFeederIds(def(steps), 'each')).toEqual(['measure']);
    expect(fixFeederIds(def(steps), 'inner')).toEqual(['host']);
  });

  it('gives nothing for a step that reads no step, an unknown step, or a name of no step', () => {
    expect(fixFeederIds(def(steps), 'measure')).toEqual([]);
    expect(fixFeederIds(def(steps), 'nope')).toEqual([]);
    expect(fixFeederIds(def([{ id: 'a', type: 'bash', command: 'echo {{ steps.ghost.output }} {{ steps.a.output }}' }]), 'a')).toEqual([]);
  });

  it('never throws on malformed expressions', () => {
    expect(fixFeederIds(def([{ id: 'a', type: 'bash', command: 'echo {{ steps.( }}' }]), 'a')).toEqual([]);
  });
});

describe('toFixValue', () => {
  it('is JSON text, cut with a marker past the limit', () => {
    expect(toFixValue({ a: 1 })).toEqual({ json: '{\n  "a": 1\n}', truncated: false });
    expect(toFixValue(undefined)).toEqual({ json: 'null', truncated: false });
    expect(toFixValue('x'.repeat(50), 10)).toEqual({ json: `"${'x'.repeat(9)}`, truncated: true });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toFixValue(cyclic).json).toBe('"[object Object]"');
    expect(toFixValue(10n).json).toBe('"10"');
  });

  it('never exceeds the limit and is whole JSON whenever it is not cut', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 200 }), (value, max) => {
        const v = toFixValue(value, max);
        expect(v.json.length).toBeLessThanOrEqual(max);
        if (!v.truncated) expect(JSON.parse(v.json)).toEqual(JSON.parse(JSON.stringify(value ?? null)));
      }),
    );
  });
});
