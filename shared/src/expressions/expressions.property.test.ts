import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateExpression } from './evaluate';
import { ExpressionError } from './expression-error';
import { parseExpression } from './parse';
import { evaluateTemplateValue, parseTemplate, renderTemplate } from './templates';

const scope = {
  inputs: { a: 1, b: 'two', c: [1, 2, { d: null }], e: { f: true } },
  steps: { s: { status: 'succeeded', output: { items: [1, 2, 3] } } },
  trigger: {},
  item: 'x',
  loop: { index: 0 },
};

/** Runs `fn` and fails the property if it throws anything but an ExpressionError. */
function onlyExpressionErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
  }
}

// Strings built from the expression alphabet reach much deeper into the
// parser than uniformly random text.
const expressionish = fc
  .array(
    fc.constantFrom(
      'inputs',
      'steps',
      'item',
      'loop',
      '.',
      'a',
      'c',
      '[',
      ']',
      '(',
      ')',
      '0',
      '1',
      '"k"',
      "'",
      '"',
      ' ',
      '==',
      '!=',
      '<',
      '>=',
      '&&',
      '||',
      '!',
      '-',
      '+',
      '*',
      '/',
      '%',
      '===',
      '?',
      ':',
      ',',
      'null',
      'true',
      '__proto__',
      '{{',
      '}}',
    ),
    { maxLength: 30 },
  )
  .map((tokens) => tokens.join(''));

describe('expressions never throw anything but ExpressionError', () => {
  it('parseExpression and evaluateExpression on fc.string()', () => {
    fc.assert(
      fc.property(fc.string(), (source) => {
        onlyExpressionErrors(() => parseExpression(source));
        onlyExpressionErrors(() => evaluateExpression(source, scope));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseExpression and evaluateExpression on expression-shaped strings', () => {
    fc.assert(
      fc.property(expressionish, (source) => {
        onlyExpressionErrors(() => evaluateExpression(source, scope));
      }),
      { numRuns: 3000 },
    );
  });

  it('templates on fc.string() and expression-shaped strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), expressionish), (source) => {
        onlyExpressionErrors(() => parseTemplate(source));
        onlyExpressionErrors(() => renderTemplate(source, scope));
        onlyExpressionErrors(() => evaluateTemplateValue(source, scope));
      }),
      { numRuns: 2000 },
    );
  });

  it('evaluation against arbitrary scopes', () => {
    fc.assert(
      fc.property(expressionish, fc.dictionary(fc.constantFrom('inputs', 'steps', 'item', 'loop'), fc.anything()), (source, anyScope) => {
        onlyExpressionErrors(() => evaluateExpression(source, anyScope));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('expression evaluation properties', () => {
  it('a JSON value read through inputs comes back unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(evaluateExpression('inputs.v', { inputs: { v: value } })).toStrictEqual(value);
      }),
    );
  });

  it('== is reflexive on JSON values and agrees with !=', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const s = { inputs: { a, b } };
        expect(evaluateExpression('inputs.a == inputs.a', s)).toBe(true);
        expect(evaluateExpression('inputs.a != inputs.b', s)).toBe(!evaluateExpression('inputs.a == inputs.b', s));
      }),
    );
  });

  it('numeric arithmetic matches JavaScript for finite results', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), (a, b) => {
        const s = { inputs: { a, b } };
        expect(evaluateExpression('inputs.a + inputs.b * 2 - inputs.a % inputs.b', s)).toBe(a + b * 2 - (a % b));
        expect(evaluateExpression('inputs.a < inputs.b', s)).toBe(a < b);
      }),
    );
  });

  it('a template without {{ renders to itself', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !text.includes('{{')),
        (text) => {
          expect(renderTemplate(text, scope)).toBe(text);
        },
      ),
    );
  });
});
