import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { linearRegExpEngine } from '../json-schema/linear-regexp';
import { STEP_CATALOGUE, STEP_TYPES } from '../steps/catalogue';
import { validateWorkflowDefinition } from './validate';

// The engine the server validates with and the runner compiles `output.schema` with.
const regExp = linearRegExpEngine(RE2JS);
const validate = (definition: unknown) => validateWorkflowDefinition(definition, { regExp });

const agent = (id: string, schema: Record<string, unknown>) => ({ id, type: 'agent_prompt', prompt: 'Classify it', output: { schema } });
const codeSchema = (pattern: string) => ({ type: 'object', properties: { code: { type: 'string', pattern } }, required: ['code'] });

describe('JSON Schema patterns in a definition', () => {
  it('refuses a pattern RE2 cannot run at its own path, with code unsupported_pattern and a message naming what and RE2', () => {
    const definition = {
      name: 'x',
      steps: [{ id: 'a', type: 'notify', message: 'hi' }, { id: 'b', type: 'notify', message: 'hi' }, agent('c', codeSchema('^(?=.*\\d)[a-z0-9]+$'))],
    };
    expect(validate(definition)).toEqual({
      ok: false,
      errors: [
        {
          path: 'steps[2].output.schema.properties.code.pattern',
          code: 'unsupported_pattern',
          message:
            'pattern "^(?=.*\\\\d)[a-z0-9]+$" is not supported: it uses a lookahead `(?=`, which RE2 cannot run (patterns are run with RE2: no backreferences or lookaround)',
        },
      ],
    });
  });

  it('reports every such pattern, nested steps, patternProperties keys and $defs included', () => {
    const definition = {
      name: 'x',
      steps: [
        {
          id: 'each',
          type: 'loop',
          over: [1, 2],
          steps: [
            {
              id: 'check',
              type: 'conditional',
              condition: 'true',
              then: [
                agent('deep', {
                  type: 'object',
                  patternProperties: { '^(a)\\1$': { type: 'string' } },
                  properties: { list: { type: 'array', items: { $ref: '#/$defs/item' } } },
                  $defs: { item: { type: 'object', properties: { tag: { type: 'string', pattern: '(?<!x)y' } } } },
                }),
              ],
            },
          ],
        },
      ],
    };
    const result = validate(definition);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.path, e.code])).toEqual([
      ['steps[0].steps[0].then[0].output.schema.patternProperties["^(a)\\\\1$"]', 'unsupported_pattern'],
      ['steps[0].steps[0].then[0].output.schema.$defs.item.properties.tag.pattern', 'unsupported_pattern'],
    ]);
    expect(result.errors[0]?.message).toContain('it uses a backreference `\\1`');
    expect(result.errors[1]?.message).toContain('it uses a lookbehind `(?<!`');
  });

  it('accepts patterns RE2 runs, and checks nothing without the engine (the client)', () => {
    const fine = { name: 'x', steps: [agent('a', codeSchema('^[A-Z]{3}-\\d{4}$'))] };
    expect(validate(fine)).toEqual({ ok: true, definition: fine });
    const lookahead = { name: 'x', steps: [agent('a', codeSchema('(?=x)'))] };
    expect(validateWorkflowDefinition(lookahead)).toEqual({ ok: true, definition: lookahead });
    expect(validate(lookahead).ok).toBe(false);
  });

  it('is reported with the other cross-step issues, after the structure is valid', () => {
    const definition = { name: 'x', steps: [agent('a', codeSchema('(?=x)')), agent('a', codeSchema('^ok$'))] };
    const result = validate(definition);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['steps[1].id', 'steps[0].output.schema.properties.code.pattern']);
    // A structural error stops before patterns are looked at.
    const broken = { name: 'x', steps: [{ ...agent('a', codeSchema('(?=x)')), prompt: '' }] };
    const structural = validate(broken);
    expect(structural.ok ? [] : structural.errors.map((e) => e.path)).toEqual(['steps[0].prompt']);
  });

  it('knows every step field that holds a JSON Schema: agent_prompt output.schema, and only that today', () => {
    const withSites = STEP_TYPES.filter((type) => STEP_CATALOGUE[type].jsonSchemaSites !== undefined);
    expect(withSites).toEqual(['agent_prompt']);
    expect(STEP_CATALOGUE.agent_prompt.jsonSchemaSites?.(agent('a', { type: 'object' }) as never)).toEqual([
      { path: ['output', 'schema'], schema: { type: 'object' } },
    ]);
  });
});
