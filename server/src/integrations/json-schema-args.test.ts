import { describe, expect, it } from 'vitest';
import { jsonSchemaIssues, templatedArgumentIssues } from './json-schema-args';

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

  it('a pattern RE2 cannot run leaves the schema uncompiled, as any schema Ajv refuses: objects pass, nothing throws', () => {
    const schema = { type: 'object', properties: { tag: { type: 'string', pattern: '^(a)\\1$' } } };
    expect(jsonSchemaIssues(schema, { tag: 'b' })).toEqual([]);
    expect(jsonSchemaIssues(schema, 'not an object')).toEqual([{ path: [], message: 'must be an object' }]);
  });
});
