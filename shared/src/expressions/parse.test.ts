import { describe, expect, it } from 'vitest';
import { ExpressionError } from './expression-error';
import { MAX_EXPRESSION_LENGTH, parseExpression, tryParseExpression } from './parse';

function syntaxError(source: string): ExpressionError {
  const result = tryParseExpression(source);
  if (result.ok) throw new Error(`expected ${JSON.stringify(source)} to be rejected`);
  expect(result.error).toBeInstanceOf(ExpressionError);
  expect(result.error.kind).toBe('syntax');
  return result.error;
}

describe('parseExpression', () => {
  it('builds the restricted AST for paths, literals and operators', () => {
    expect(parseExpression('steps.list.output.items[0]["na me"]').ast).toEqual({
      type: 'member',
      key: 'na me',
      object: {
        type: 'member',
        key: 0,
        object: {
          type: 'member',
          key: 'items',
          object: { type: 'member', key: 'output', object: { type: 'member', key: 'list', object: { type: 'identifier', name: 'steps' } } },
        },
      },
    });
    expect(parseExpression('!a && -1 < 2 || b != null').ast).toMatchObject({ type: 'logical', operator: '||' });
    expect(parseExpression('[1, "x", true, null]').ast).toEqual({
      type: 'array',
      elements: [
        { type: 'literal', value: 1 },
        { type: 'literal', value: 'x' },
        { type: 'literal', value: true },
        { type: 'literal', value: null },
      ],
    });
  });

  it.each(['a == b', 'a != b', 'a < b', 'a <= b', 'a > b', 'a >= b', 'a + b', 'a - b', 'a * b', 'a / b', 'a % b', '(a)', '-(a)', '!a', 'a?.b'])(
    'accepts %s',
    (source) => {
      expect(tryParseExpression(source).ok).toBe(true);
    },
  );

  it.each([
    ['a === b', /use "=="/],
    ['a !== b', /use "!="/],
    ['a ?? b', /use "\|\|"/],
    ['a = b', /assignment/],
    ['a | b', /Unexpected/],
    ['a & b', /Unexpected/],
    ['a ^ b', /Unexpected/],
    ['a << 1', /Expected expression/],
    ['a ** 2', /Expected expression/],
    ['~a', /Unexpected|Expected/],
    ['+a', /Unexpected|Expected/],
    ['fn()', /function calls/],
    ['inputs.name.toUpperCase()', /function calls/],
    ['new Date()', /"new"/],
    ['this', /"this"/],
    ['this.x', /"this"/],
    ['a ? b : c', /conditional expressions/],
    ['a[b]', /literal keys/],
    ['a[-1]', /literal keys/],
    ['a[1.5]', /non-negative integer/],
    ['a b', /single expression/],
    ['a, b', /single expression/],
    ['(a, b)', /comma-separated/],
    ['[1, , 2]', /holes/],
    ['', /empty/],
    ['   ', /empty/],
    ['"unclosed', /Unclosed quote/],
    ['a.', /Unexpected|Expected/],
    ['(a', /Unclosed/],
  ])('rejects %s', (source, message) => {
    expect(syntaxError(source).message).toMatch(message);
  });

  it('throws ExpressionError from parseExpression', () => {
    expect(() => parseExpression('a +')).toThrow(ExpressionError);
  });

  it('reports the character index from jsep', () => {
    expect(syntaxError('a | b').index).toBe(2);
  });

  it('rejects pathologically long or deep input without overflowing the stack', () => {
    expect(syntaxError('a'.repeat(MAX_EXPRESSION_LENGTH + 1)).message).toMatch(/longer than/);
    expect(syntaxError(`${'('.repeat(200)}a${')'.repeat(200)}`).message).toMatch(/nested too deeply/);
    expect(syntaxError(`${'!'.repeat(500)}a`).message).toMatch(/nested too deeply/);
    expect(syntaxError(Array.from({ length: 300 }, () => 'a').join(' && ')).message).toMatch(/nested too deeply/);
  });

  it('returns the same frozen AST for the same source (cache)', () => {
    const first = parseExpression('inputs.region == "eu"');
    expect(parseExpression('inputs.region == "eu"')).toBe(first);
    expect(Object.isFrozen(first.ast)).toBe(true);
  });

  it('returns a fresh error for a cached failure', () => {
    const a = syntaxError('a |');
    const b = syntaxError('a |');
    expect(a).not.toBe(b);
    expect(a.message).toBe(b.message);
  });
});
