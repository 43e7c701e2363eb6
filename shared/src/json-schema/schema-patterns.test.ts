import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { linearRegExpEngine, UnsupportedPatternError } from './linear-regexp';
import { unsupportedSchemaPatterns } from './schema-patterns';

const engine = linearRegExpEngine(RE2JS);
const LOOKAHEAD = '^(?=.*\\d).+$';
const BACKREFERENCE = '^(a)\\1$';
/** A fresh schema each time: an object met twice (built in code, not parsed) is reported once. */
const bad = () => ({ type: 'string', pattern: LOOKAHEAD });
const paths = (schema: unknown) => unsupportedSchemaPatterns(schema, engine).map((issue) => issue.path);

describe('unsupportedSchemaPatterns', () => {
  it('finds nothing in a schema whose patterns all compile, ECMAScript escapes and look-alikes included', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: 'string', pattern: '^[a-z]+\\d{2,3}$' },
        b: { type: 'string', pattern: '^caf\\u00e9$' },
        // A class holding "(?=" and an escaped parenthesis are not lookaheads.
        c: { type: 'string', pattern: '^[(?=]\\(?=x\\)$' },
        d: { type: 'string', pattern: '^(?:x|y)+$' },
      },
      patternProperties: { '^n_\\d+$': { type: 'number' } },
    };
    expect(unsupportedSchemaPatterns(schema, engine)).toEqual([]);
  });

  it.each([
    ['lookahead', '^(?=.*\\d).+$', '`(?=`'],
    ['lookahead', 'a(?!b)', '`(?!`'],
    ['lookbehind', '(?<=\\$)\\d+', '`(?<=`'],
    ['lookbehind', '(?<!x)y', '`(?<!`'],
    ['backreference', '^(a)\\1$', '`\\1`'],
    // re2js would translate these two into text that compiles (`k<q>`, `8`) and matches something else.
    ['backreference', '^(?<q>["\'])x\\k<q>$', '`\\k<q>`'],
    ['backreference', '^a\\8$', '`\\8`'],
  ])('reports a %s (%s), naming it and RE2', (construct, pattern, shown) => {
    const [issue, ...rest] = unsupportedSchemaPatterns({ type: 'string', pattern }, engine);
    expect(rest).toEqual([]);
    expect(issue?.path).toEqual(['pattern']);
    expect(issue?.error).toBeInstanceOf(UnsupportedPatternError);
    expect(issue?.error).toMatchObject({ code: 'unsupported_pattern', pattern, construct });
    expect(issue?.error.message).toBe(
      `pattern ${JSON.stringify(pattern)} is not supported: it uses a ${construct} ${shown}, which RE2 cannot run (patterns are run with RE2: no backreferences or lookaround)`,
    );
  });

  it('reports another pattern RE2 refuses with its own reason', () => {
    const [issue] = unsupportedSchemaPatterns({ pattern: 'a{2,1}' }, engine);
    expect(issue?.error).toMatchObject({ construct: null });
    expect(issue?.error.message).toMatch(/^pattern "a\{2,1\}" is not supported: .+ \(patterns are run with RE2: no backreferences or lookaround\)$/);
  });

  it('looks in every place a subschema can be, however deep, and reports each at its path in document order', () => {
    const schema = {
      type: 'object',
      properties: {
        code: bad(),
        nested: { type: 'object', properties: { deeper: { type: 'array', items: { properties: { x: bad() } } } } },
        // A property named "pattern" is a property, and its schema is checked like any other.
        pattern: bad(),
      },
      patternProperties: { [LOOKAHEAD]: { type: 'string' }, '^ok$': bad() },
      additionalProperties: bad(),
      propertyNames: { pattern: BACKREFERENCE },
      items: [bad(), { type: 'number' }],
      additionalItems: bad(),
      contains: bad(),
      allOf: [{ type: 'string' }, bad()],
      anyOf: [bad()],
      oneOf: [{ not: bad() }],
      if: bad(),
      then: bad(),
      else: bad(),
      dependencies: { a: bad(), b: ['c'] },
      dependentSchemas: { a: bad() },
      prefixItems: [bad()],
      unevaluatedProperties: bad(),
      unevaluatedItems: bad(),
      $defs: { unused: bad() },
      definitions: { alsoUnused: { anyOf: [bad()] } },
    };
    expect(paths(schema)).toEqual([
      ['properties', 'code', 'pattern'],
      ['properties', 'nested', 'properties', 'deeper', 'items', 'properties', 'x', 'pattern'],
      ['properties', 'pattern', 'pattern'],
      ['patternProperties', LOOKAHEAD],
      ['patternProperties', '^ok$', 'pattern'],
      ['additionalProperties', 'pattern'],
      ['propertyNames', 'pattern'],
      ['items', 0, 'pattern'],
      ['additionalItems', 'pattern'],
      ['contains', 'pattern'],
      ['allOf', 1, 'pattern'],
      ['anyOf', 0, 'pattern'],
      ['oneOf', 0, 'not', 'pattern'],
      ['if', 'pattern'],
      ['then', 'pattern'],
      ['else', 'pattern'],
      ['dependencies', 'a', 'pattern'],
      ['dependentSchemas', 'a', 'pattern'],
      ['prefixItems', 0, 'pattern'],
      ['unevaluatedProperties', 'pattern'],
      ['unevaluatedItems', 'pattern'],
      ['$defs', 'unused', 'pattern'],
      ['definitions', 'alsoUnused', 'anyOf', 0, 'pattern'],
    ]);
  });

  it('leaves data alone: const, enum, default and examples, and keywords that hold no schema', () => {
    const schema = {
      type: 'object',
      const: { pattern: LOOKAHEAD },
      enum: [{ pattern: LOOKAHEAD }],
      default: { pattern: LOOKAHEAD },
      examples: [{ pattern: LOOKAHEAD }],
      description: LOOKAHEAD,
      'x-ui': { pattern: LOOKAHEAD },
      properties: { a: { type: 'string', default: { pattern: LOOKAHEAD } } },
      // Not a string: Ajv refuses the schema for that, not for the pattern.
      pattern: 12,
    };
    expect(paths(schema)).toEqual([]);
  });

  it('follows local references to where they point, even under a keyword Ajv does not know, once', () => {
    const schema = {
      type: 'object',
      properties: { a: { $ref: '#/x-shared/code' }, b: { $ref: '#/x-shared/code' }, c: { $ref: '#/x-list/0' }, d: { $ref: '#/x-odd~1name' } },
      'x-shared': { code: bad() },
      'x-list': [{ pattern: BACKREFERENCE }],
      'x-odd/name': bad(),
    };
    expect(paths(schema)).toEqual([
      ['x-shared', 'code', 'pattern'],
      ['x-list', 0, 'pattern'],
      ['x-odd/name', 'pattern'],
    ]);
  });

  it('resolves a local reference inside a subschema with its own $id against that subschema', () => {
    const schema = {
      properties: {
        inner: { $id: 'https://example.com/inner', properties: { a: { $ref: '#/x-defs/a' } }, 'x-defs': { a: bad() } },
      },
    };
    expect(paths(schema)).toEqual([['properties', 'inner', 'x-defs', 'a', 'pattern']]);
  });

  it('does not loop on references that form a cycle, and ignores references that lead nowhere', () => {
    const schema = {
      $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a', pattern: LOOKAHEAD } },
      properties: { x: { $ref: '#/nowhere/at/all' }, y: { $ref: '#/%zz' } },
    };
    expect(paths(schema)).toEqual([['$defs', 'b', 'pattern']]);
  });

  it('takes anything without throwing', () => {
    for (const value of [null, true, 1, 'pattern', [], [{ pattern: LOOKAHEAD }], { properties: null }, { items: 'x' }, { allOf: {} }]) {
      expect(() => unsupportedSchemaPatterns(value, engine)).not.toThrow();
    }
    expect(paths([{ pattern: LOOKAHEAD }])).toEqual([]);
  });

  it('compiles each distinct pattern once', () => {
    let calls = 0;
    const counting = Object.assign(
      (pattern: string, flags: string) => {
        calls++;
        return engine(pattern, flags);
      },
      { code: engine.code },
    );
    expect(unsupportedSchemaPatterns({ allOf: [bad(), bad(), bad(), { pattern: '^x$' }, { pattern: '^x$' }] }, counting)).toHaveLength(3);
    expect(calls).toBe(2);
  });
});
