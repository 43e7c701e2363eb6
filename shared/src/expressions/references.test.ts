import { describe, expect, it } from 'vitest';
import { ExpressionError } from './expression-error';
import { expressionReferences } from './references';

describe('expressionReferences', () => {
  it('extracts the root, the literal path and the step id', () => {
    expect(expressionReferences('steps.list.output.items')).toEqual([{ root: 'steps', path: ['list', 'output', 'items'], stepId: 'list' }]);
    expect(expressionReferences('steps["list"].status')).toEqual([{ root: 'steps', path: ['list', 'status'], stepId: 'list' }]);
  });

  it('finds every reference in operators and arrays, in source order', () => {
    expect(expressionReferences('inputs.a == 1 && !(item.b > loop.index) || [trigger, steps][0]').map((ref) => ref.root)).toEqual([
      'inputs',
      'item',
      'loop',
      'trigger',
      'steps',
    ]);
  });

  it('gives a bare root an empty path and no step id', () => {
    expect(expressionReferences('steps')).toEqual([{ root: 'steps', path: [] }]);
    expect(expressionReferences('region')).toEqual([{ root: 'region', path: [] }]);
  });

  it('returns nothing for literals', () => {
    expect(expressionReferences('1 + "a"')).toEqual([]);
  });

  it('throws ExpressionError on bad syntax', () => {
    expect(() => expressionReferences('a(')).toThrow(ExpressionError);
  });
});
