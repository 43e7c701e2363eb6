import { linearRegExpEngine, scriptedTurn, type AgentPromptOutput, type ModelProvider } from '@weft/shared';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { NonRetriableStepError } from '../../src/engine/errors';
import type { ToolClient } from '../../src/llm/tool-client';
import { createAgentPromptStep } from '../../src/steps/agent-prompt';
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
