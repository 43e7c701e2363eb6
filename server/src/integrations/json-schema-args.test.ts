import { describe, expect, it } from 'vitest';
import { jsonSchemaIssues, templatedArgumentIssues, unusableInputSchema } from './json-schema-args';

const CATASTROPHIC = { type: 'object', properties: { tag: { type: 'string', pattern: '^(\\w+\\s?)*$' } } };

describe('JSON Schema argument checks', () => {
  // With native RegExp this check takes many seconds of the server's only thread, doubling per character.
  it('runs an MCP schema pattern in linear time against hostile arguments', { timeout: 5_000 }, () => {
    expect(jsonSchemaIssues(CATASTROPHIC, { tag: `${'a'.repeat(28)}!` })).toEqual([{ path: ['tag'], message: 'must match pattern "^(\\w+\\s?)*$"' }]);
    expect(jsonSchemaIssues(CATASTROPHIC, { tag: 'alpha beta' })).toEqual([]);
    expect(templatedArgumentIssues(CATASTROPHIC, { tag: `${'a'.repeat(28)}!` })).toHaveLength(1);
  });

  it('keeps the patterns of one schema apart', () => {
    const schema = { type: 'object', properties: { a: { type: 'string', pattern: '^x+$' }, b: { type: 'string', pattern: '^y+$' } } };
    expect(jsonSchemaIssues(schema, { a: 'xx', b: 'yy' })).toEqual([]);
    expect(jsonSchemaIssues(schema, { a: 'yy', b: 'xx' }).map((i) => i.path)).toEqual([['a'], ['b']]);
  });

  it('a pattern RE2 cannot run makes the schema unusable: nothing passes it, nothing throws', () => {
    const schema = { type: 'object', properties: { tag: { type: 'string', pattern: '^(a)\\1$' } } };
    for (const value of [{ tag: 'aa' }, { tag: 'b' }, {}, 'not an object']) {
      expect(jsonSchemaIssues(schema, value)).toEqual([
        { path: [], message: expect.stringMatching(/^the input schema cannot be used: properties\.tag\.pattern: pattern .* it uses a backreference `\\1`/) },
      ]);
    }
    // A template does not hide it: the save check reports it too.
    expect(templatedArgumentIssues(schema, { tag: '{{ inputs.tag }}' })).toHaveLength(1);
  });

  it('unusableInputSchema names the first pattern RE2 cannot run and where it is, wherever it is', () => {
    expect(unusableInputSchema(CATASTROPHIC)).toBeNull();
    expect(unusableInputSchema({ type: 'object', properties: { q: { type: 'string', pattern: 'x(?!y)' } } })).toEqual({
      code: 'unsupported_input_schema',
      pattern: 'x(?!y)',
      path: 'properties.q.pattern',
      message:
        'pattern "x(?!y)" is not supported: it uses a lookahead `(?!`, which RE2 cannot run (patterns are run with RE2: no backreferences or lookaround)',
    });
    const nested = {
      type: 'object',
      $defs: { item: { patternProperties: { '(?<=a)b': { type: 'string' } } } },
      properties: { list: { items: { $ref: '#/$defs/item' } } },
    };
    expect(unusableInputSchema(nested)).toMatchObject({ pattern: '(?<=a)b', path: '$defs.item.patternProperties["(?<=a)b"]' });
  });

  it('a schema Ajv refuses for another reason still only checks that arguments are an object', () => {
    const schema = { type: 'object', properties: { a: { $ref: '#/nowhere' } } };
    expect(jsonSchemaIssues(schema, { a: 1 })).toEqual([]);
    expect(jsonSchemaIssues(schema, 'not an object')).toEqual([{ path: [], message: 'must be an object' }]);
  });
});
