import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toPlainJson } from './plain-json';

describe('toPlainJson', () => {
  it('copies JSON values exactly', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = toPlainJson(value);
        expect(result).toEqual({ ok: true, value });
        if (result.ok) expect(JSON.stringify(result.value)).toBe(JSON.stringify(value));
      }),
    );
  });

  it('keeps an own __proto__ key as data', () => {
    const result = toPlainJson(JSON.parse('{"__proto__": {"x": 1}}'));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
      expect(Object.keys(result.value as object)).toEqual(['__proto__']);
    }
  });

  it('never throws on anything', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
        }),
        (value) => {
          const result = toPlainJson(value);
          if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('reports paths of the offending values', () => {
    expect(toPlainJson({ a: [1, { b: 2n }], 'odd key': Symbol('s') })).toEqual({
      ok: false,
      errors: [
        { path: 'a[1].b', message: 'expected a JSON value, got a bigint' },
        { path: '["odd key"]', message: 'expected a JSON value, got a symbol' },
      ],
    });
  });

  it('allows shared (non-cyclic) sub-objects', () => {
    const shared = { x: 1 };
    expect(toPlainJson({ a: shared, b: [shared] })).toEqual({ ok: true, value: { a: { x: 1 }, b: [{ x: 1 }] } });
  });
});
