import { describe, expect, it } from 'vitest';
import { evaluateCondition, evaluateExpression, isTruthy, jsonEqual } from './evaluate';
import { ExpressionError } from './expression-error';
import { parseExpression } from './parse';
import { enterLoopScope, type ExpressionScope } from './scope';

const scope: ExpressionScope = {
  inputs: { region: 'eu', count: 3, flag: true, tags: ['a', 'b'], nested: { deep: { value: 42 } }, empty: '', zero: 0 },
  steps: {
    list: { status: 'succeeded', output: { items: [{ name: 'one' }, { name: 'two' }], total: 2 } },
    skipped: { status: 'skipped', output: null },
  },
  trigger: { kind: 'manual', user: 'ada' },
};

const run = (source: string, s: Readonly<Record<string, unknown>> = scope) => evaluateExpression(source, s);

describe('evaluateExpression: paths and literals', () => {
  it.each([
    ['inputs.region', 'eu'],
    ['inputs.count', 3],
    ['inputs.nested.deep.value', 42],
    ['inputs["region"]', 'eu'],
    ['inputs.tags[1]', 'b'],
    ['inputs.tags.length', 2],
    ['inputs.region.length', 2],
    ['steps.list.output.items[0].name', 'one'],
    ['steps.list.status', 'succeeded'],
    ['trigger.user', 'ada'],
    ['"text"', 'text'],
    ["'single'", 'single'],
    ['12.5', 12.5],
    ['-3', -3],
    ['true', true],
    ['false', false],
    ['null', null],
  ])('%s -> %j', (source, expected) => {
    expect(run(source)).toStrictEqual(expected);
  });

  it('evaluates array literals', () => {
    expect(run('[inputs.count, "x", null]')).toEqual([3, 'x', null]);
  });

  it('keeps numbers as numbers', () => {
    expect(typeof run('steps.list.output.total')).toBe('number');
    expect(run('inputs.count * 2')).toBe(6);
  });

  it('returns the referenced object itself', () => {
    expect(run('steps.list.output.items')).toEqual([{ name: 'one' }, { name: 'two' }]);
  });
});

describe('evaluateExpression: missing values are null', () => {
  it.each([
    'inputs.missing',
    'inputs.missing.deeper.still',
    'steps.nope.output',
    'steps.skipped.output.items',
    'inputs.tags[9]',
    'inputs.count.foo',
    'unknownRoot',
    'unknownRoot.x',
    'item',
    'loop.index',
  ])('%s -> null', (source) => {
    expect(run(source)).toBeNull();
  });

  it('a missing output compares equal to null', () => {
    expect(run('steps.x.output.maybe == null')).toBe(true);
    expect(run('steps.skipped.output.maybe == null')).toBe(true);
    expect(run('inputs.region == null')).toBe(false);
  });
});

describe('evaluateExpression: prototypes and globals are unreachable', () => {
  it.each([
    'inputs.__proto__',
    'inputs.constructor',
    'inputs.constructor.name',
    'inputs.toString',
    'inputs.hasOwnProperty',
    'inputs.tags.map',
    'inputs.tags.constructor',
    'inputs.region.toUpperCase',
    'inputs["__proto__"]',
    'inputs.prototype',
    'constructor',
    'globalThis',
    'process',
    'Object',
  ])('%s -> null', (source) => {
    expect(run(source)).toBeNull();
  });

  it('ignores an own "__proto__" key that came from JSON', () => {
    const inputs = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;
    expect(run('inputs.__proto__', { inputs })).toBeNull();
    expect(run('inputs.__proto__.polluted', { inputs })).toBeNull();
  });

  it('never invokes getters', () => {
    let called = false;
    const inputs = Object.defineProperty({}, 'secret', {
      get() {
        called = true;
        return 'x';
      },
      enumerable: true,
    });
    expect(run('inputs.secret', { inputs })).toBeNull();
    expect(called).toBe(false);
  });

  it('turns functions and other non-JSON values into null', () => {
    expect(run('inputs.fn', { inputs: { fn: () => 1, big: 1n, sym: Symbol('s') } })).toBeNull();
    expect(run('inputs.big', { inputs: { big: 1n } })).toBeNull();
  });
});

describe('evaluateExpression: operators', () => {
  it.each([
    ['1 == 1', true],
    ['1 == "1"', false],
    ['"a" == "a"', true],
    ['null == null', true],
    ['true == 1', false],
    ['0 == false', false],
    ['"" == null', false],
    ['1 != 2', true],
    ['1 != "1"', true],
    ['inputs.tags == ["a", "b"]', true],
    ['inputs.tags == ["b", "a"]', false],
    ['inputs.nested == inputs.nested', true],
    ['1 < 2', true],
    ['2 <= 2', true],
    ['3 > 2', true],
    ['2 >= 3', false],
    ['"a" < "b"', true],
    ['"10" < 9', false],
    ['null < 1', false],
    ['null >= 0', false],
    ['1 + 2', 3],
    ['"a" + "b"', 'ab'],
    ['"n=" + 5', 'n=5'],
    ['"x" + null', 'x'],
    ['5 - 2', 3],
    ['2 * 3', 6],
    ['7 / 2', 3.5],
    ['7 % 4', 3],
    ['1 / 0', null],
    ['0 / 0', null],
    ['"a" - 1', null],
    ['null + 1', null],
    ['"a" + inputs.tags', null],
    ['-inputs.count', -3],
    ['-"x"', null],
    ['!true', false],
    ['!null', true],
    ['!inputs.empty', true],
    ['!!inputs.tags', true],
    ['true && "x"', true],
    ['1 && 0', false],
    ['null || "fallback"', true],
    ['0 || ""', false],
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['1 < 2 && 3 > 2', true],
  ])('%s -> %j', (source, expected) => {
    expect(run(source)).toStrictEqual(expected);
  });

  it('short-circuits && and ||', () => {
    // The right side would be an evaluation error if it ran.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const other: Record<string, unknown> = {};
    other.self = other;
    const s = { inputs: { cyclic, other } };
    expect(run('false && inputs.cyclic == inputs.other', s)).toBe(false);
    expect(run('true || inputs.cyclic == inputs.other', s)).toBe(true);
    expect(() => run('inputs.cyclic == inputs.other', s)).toThrow(ExpressionError);
  });
});

describe('evaluateExpression: errors', () => {
  it('throws ExpressionError with kind syntax for bad source', () => {
    expect(() => run('a ===')).toThrow(ExpressionError);
    try {
      run('f(1)');
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressionError);
      expect((error as ExpressionError).kind).toBe('syntax');
      expect((error as ExpressionError).message).toMatch(/function calls/);
    }
  });

  it('accepts a pre-parsed expression', () => {
    expect(evaluateExpression(parseExpression('inputs.count + 1'), scope)).toBe(4);
  });

  it('wraps failures of hostile scope objects', () => {
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error('trap');
        },
      },
    );
    expect(() => run('inputs.x', { inputs: hostile })).toThrow(ExpressionError);
  });
});

describe('loop scope', () => {
  it('exposes item, the as name and loop.index', () => {
    const inner = enterLoopScope({ scope, as: 'region', item: { code: 'eu' }, index: 2 });
    expect(run('region.code', inner)).toBe('eu');
    expect(run('item.code', inner)).toBe('eu');
    expect(run('loop.index', inner)).toBe(2);
    expect(run('loop.index + 1', inner)).toBe(3);
    expect(scope.item).toBeUndefined();
  });

  it('keeps an outer loop item reachable by its name', () => {
    const outer = enterLoopScope({ scope, as: 'region', item: 'eu', index: 0 });
    const inner = enterLoopScope({ scope: outer, item: 'web', index: 5 });
    expect(run('region + "/" + item', inner)).toBe('eu/web');
    expect(run('loop.index', inner)).toBe(5);
  });
});

describe('truthiness helpers', () => {
  it('follows JS truthiness, with empty arrays and objects truthy', () => {
    expect([null, undefined, false, 0, '', Number.NaN].map(isTruthy)).toEqual([false, false, false, false, false, false]);
    expect([true, 1, -1, 'x', [], {}].map(isTruthy)).toEqual([true, true, true, true, true, true]);
  });

  it('evaluateCondition returns a boolean', () => {
    expect(evaluateCondition('inputs.count', scope)).toBe(true);
    expect(evaluateCondition('inputs.missing', scope)).toBe(false);
  });

  it('jsonEqual ignores key order and undefined-valued keys', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
  });
});
