import {
  linearRegExpEngine,
  scriptedTurn,
  unsupportedSchemaPatterns,
  validateWorkflowDefinition,
  type AgentPromptOutput,
  type ModelProvider,
} from '@weft/shared';
import fc from 'fast-check';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { NonRetriableStepError } from '../../src/engine/errors';
import type { ToolClient } from '../../src/llm/tool-client';
import { createAgentPromptStep, loadSchemaEngine } from '../../src/steps/agent-prompt';
import { stepContext } from '../helpers/step-context';

const noTools: ToolClient = {
  list: async () => [],
  call: async () => {
    throw new Error('no tool calls expected');
  },
  ask: async () => {
    throw new Error('no asks expected');
  },
};

/** A model answering every turn with `answer`. */
function answering(answer: string) {
  let turns = 0;
  const provider: ModelProvider = {
    kind: 'anthropic',
    model: 'claude-test',
    async turn(req) {
      turns++;
      return scriptedTurn({ provider: 'anthropic', model: 'claude-test', content: [{ type: 'text', text: answer }], onEvent: req.onEvent });
    },
  };
  return { provider, turns: () => turns };
}

async function run(schema: Record<string, unknown>, answer: string) {
  const model = answering(answer);
  const result = await createAgentPromptStep({ model: model.provider, tools: noTools })
    .run(stepContext(), { id: 'step_one', type: 'agent_prompt', prompt: 'Tag it', output: { schema } })
    .then(
      (output) => ({ output: output as AgentPromptOutput, error: null }),
      (error: unknown) => ({ output: null, error }),
    );
  return { ...result, turns: model.turns() };
}

const CATASTROPHIC = { type: 'object', properties: { tag: { type: 'string', pattern: '^(\\w+\\s?)*$' } } };

describe('agent_prompt output.schema patterns', () => {
  // With native RegExp each of the two checks (answer and fix-up) takes seconds, doubling per character.
  it('checks a catastrophic pattern against a hostile answer in linear time: the step fails validation', { timeout: 5_000 }, async () => {
    const { error, turns } = await run(CATASTROPHIC, JSON.stringify({ tag: `${'a'.repeat(28)}!` }));
    expect(error).toBeInstanceOf(NonRetriableStepError);
    expect((error as Error).message).toBe('structured output does not match the schema: /tag must match pattern "^(\\w+\\s?)*$"');
    expect(turns).toBe(2);
  });

  it('still accepts what the pattern matches', async () => {
    const { output, error } = await run(CATASTROPHIC, JSON.stringify({ tag: 'alpha beta gamma' }));
    expect(error).toBeNull();
    expect(output?.structured).toEqual({ tag: 'alpha beta gamma' });
  });

  it('keeps each pattern of a schema apart, patternProperties and ECMAScript escapes included', async () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', pattern: '^x+$' }, b: { type: 'string', pattern: '^y+$' }, c: { type: 'string', pattern: '^caf\\u00e9$' } },
      patternProperties: { '^n_\\d+$': { type: 'number' } },
    };
    expect((await run(schema, JSON.stringify({ a: 'xx', b: 'yy', c: 'café', n_1: 2 }))).error).toBeNull();
    const { error } = await run(schema, JSON.stringify({ a: 'yy', b: 'xx', c: 'cafe', n_1: 'two' }));
    expect((error as Error).message).toBe(
      'structured output does not match the schema: /a must match pattern "^x+$"; /b must match pattern "^y+$"; /c must match pattern "^caf\\u00e9$"; /n_1 must be number',
    );
  });

  it.each([
    ['a backreference', '^(a)\\1$'],
    ['a lookahead', '^(?=.*\\d).+$'],
  ])('fails for good, before asking the model, when the schema holds %s RE2 cannot run', async (_what, pattern) => {
    const { error, turns } = await run({ type: 'object', properties: { tag: { type: 'string', pattern } } }, '{"tag":"a"}');
    expect(error).toBeInstanceOf(NonRetriableStepError);
    expect(error).toMatchObject({ code: 'invalid_output_schema' });
    const message = (error as Error).message;
    expect(message.startsWith(`output.schema is not a usable JSON Schema: pattern ${JSON.stringify(pattern)} is not supported: `)).toBe(true);
    expect(message).toMatch(/\(patterns are run with RE2: no backreferences or lookaround\)$/);
    expect(turns).toBe(0);
  });

  it('fails with the message the server refuses the schema with on save (a definition saved before that check)', async () => {
    const schema = { type: 'object', properties: { list: { type: 'array', items: { patternProperties: { '(?<!x)y': { type: 'string' } } } } } };
    const { error, turns } = await run(schema, '{}');
    expect(error).toMatchObject({ code: 'invalid_output_schema' });
    const saved = validateWorkflowDefinition(
      { name: 'x', steps: [{ id: 'a', type: 'agent_prompt', prompt: 'x', output: { schema } }] },
      { regExp: linearRegExpEngine(RE2JS) },
    );
    expect(saved.ok ? null : saved.errors[0]).toEqual({
      path: 'steps[0].output.schema.properties.list.items.patternProperties["(?<!x)y"]',
      code: 'unsupported_pattern',
      message: (error as Error).message.replace('output.schema is not a usable JSON Schema: ', ''),
    });
    expect(turns).toBe(0);
  });
});

/**
 * What the server's validator accepts compiles here: the runner's own Ajv (the one `output.schema`
 * is compiled with) compiles a schema exactly when `unsupportedSchemaPatterns` finds nothing in it,
 * for schemas whose every pattern Ajv compiles (no unreferenced definitions, no always-valid
 * `patternProperties`, no `if` without `then`; there the validator is stricter than Ajv).
 */
describe('valid on save <=> compiles at run time', () => {
  const pattern = fc.constantFrom('^[a-z]+$', '^\\d{3}$', '(a|b)*c', '^caf\\u00e9$', '^[(?=]$', '^(?=.*\\d).+$', 'a(?!b)', '(?<=x)y', '(?<!x)y', '^(a)\\1$');
  const { node } = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.option(pattern, { nil: undefined }).map((p) => (p === undefined ? { type: 'string' } : { type: 'string', pattern: p })),
      fc.tuple(fc.constantFrom('items', 'not', 'additionalProperties', 'propertyNames', 'contains'), tie('node')).map(([k, child]) => ({ [k]: child })),
      tie('node').map((child) => ({ if: child, then: { type: 'string', minLength: 1 } })),
      fc
        .tuple(fc.constantFrom('allOf', 'anyOf', 'oneOf', 'items'), fc.array(tie('node'), { minLength: 1, maxLength: 3 }))
        .map(([k, children]) => ({ [k]: children })),
      fc.dictionary(fc.constantFrom('a', 'b', 'pattern'), tie('node'), { maxKeys: 3 }).map((properties) => ({ type: 'object', properties })),
      // patternProperties whose values are not always valid, so Ajv compiles their keys.
      fc.uniqueArray(pattern, { maxLength: 3 }).map((keys) => ({ patternProperties: Object.fromEntries(keys.map((key) => [key, { type: 'number' }])) })),
    ),
  }));
  // At the root only, where `#/$defs/item` points: a definition Ajv compiles because it is referenced.
  const schemas = fc
    .tuple(node, fc.boolean())
    .map(([schema, viaDefs]) => (viaDefs ? { $defs: { item: schema }, properties: { x: { $ref: '#/$defs/item' } } } : schema));

  it('the server and the runner load the same re2js (one version in the lockfile)', () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    const resolved = (pkg: string) => fs.realpathSync(createRequire(path.join(root, pkg, 'package.json')).resolve('re2js'));
    expect(resolved('server')).toBe(resolved('runner'));
    expect(resolved('shared')).toBe(resolved('runner'));
  });

  it('for generated schemas', async () => {
    const { ajv, regExp } = await loadSchemaEngine();
    fc.assert(
      fc.property(schemas, (schema) => {
        const refused = unsupportedSchemaPatterns(schema, regExp).length > 0;
        let compiles = true;
        try {
          ajv.compile(schema);
        } catch {
          compiles = false;
        }
        expect(compiles).toBe(!refused);
      }),
      { numRuns: 300 },
    );
  });
});

describe('linearRegExpEngine', () => {
  const engine = linearRegExpEngine(RE2JS);

  it('matches like the ECMAScript pattern, in time linear in the input', () => {
    const re = engine('^(\\w+\\s?)*$', 'u');
    expect(re.test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(re.test('a b c')).toBe(true);
    expect(engine('b', 'u').test('abc')).toBe(true);
  });

  it('names each pattern apart, as Ajv keys them by toString', () => {
    expect(String(engine('^x$', 'u'))).toBe('/^x$/u');
    expect(String(engine('^y$', 'u'))).not.toBe(String(engine('^x$', 'u')));
  });
});
