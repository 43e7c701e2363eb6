import {
  extractJsonObject,
  STEP_CATALOGUE,
  STEP_ID_PATTERN,
  STEP_TYPES,
  tryParseExpression,
  validateWorkflowDefinition,
  type Step,
  type WorkflowDefinition,
} from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DraftAnswer, DRAFT_ANSWER_JSON_SCHEMA } from './draft-answer';
import { DRAFTING_EXAMPLES } from './drafting-examples';
import { buildDraftingSystemPrompt, buildStepRefinePrompt, EXPRESSION_OPERATORS, schemaFields } from './drafting-prompt';

const PROMPT = buildDraftingSystemPrompt();

describe('buildDraftingSystemPrompt', () => {
  it.each(STEP_TYPES)('describes %s from the catalogue: description, fields, output and example', (type) => {
    const entry = STEP_CATALOGUE[type];
    expect(PROMPT).toContain(`### \`${type}\``);
    expect(PROMPT).toContain(entry.description);
    expect(PROMPT).toContain(JSON.stringify(entry.example, null, 2));
    for (const field of schemaFields(entry.configSchema)) expect(PROMPT).toContain(`\`${field.name}\``);
    for (const field of schemaFields(entry.outputSchema)) expect(PROMPT).toContain(`\`${field.name}\``);
  });

  it('tells how values reach a bash command and where the validator refuses them', () => {
    expect(PROMPT).toMatch(/Each `\{\{ \}\}` in `command` reaches the shell as one word of data, never as code/);
    for (const place of ['backticks', '`$(( ))`', '`${ }`', '`a[…]`', '`[[ … -eq … ]]`', 'a quoted heredoc']) expect(PROMPT).toContain(place);
    expect(PROMPT).toMatch(/nor as an argument of `trap`, `eval`, `source`, `let` or the command string of `bash -c`/);
    expect(PROMPT).toMatch(/Never hand a value to a program that runs its arguments or scripts as code/);
  });

  it('states the validator rules', () => {
    expect(PROMPT).toContain(STEP_ID_PATTERN.source);
    expect(PROMPT).toMatch(/unique across the whole workflow/);
    expect(PROMPT).toMatch(/\{\{ expression \}\}/);
    expect(PROMPT).toMatch(/steps\.<id>\.output/);
    expect(PROMPT).toMatch(/`trigger`/);
    expect(PROMPT).toMatch(/`item`/);
    expect(PROMPT).toMatch(/loop\.index/);
    expect(PROMPT).toMatch(/never a step in the other branch/);
    expect(PROMPT).toMatch(/steps\.<loop id>\.output\.results/);
    expect(PROMPT).toMatch(/no function calls/i);
    expect(PROMPT).toMatch(/"definition"/);
    expect(PROMPT).toMatch(/"type": "schedule"/);
  });

  it('lists only operators the parser accepts, and the rejected ones it names are rejected', () => {
    for (const op of EXPRESSION_OPERATORS) {
      const source = op === '!' ? '!true' : `1 ${op} 2`;
      expect(tryParseExpression(source).ok, source).toBe(true);
    }
    for (const op of ['===', '!==', '??']) expect(tryParseExpression(`1 ${op} 2`).ok).toBe(false);
  });

  it.each(DRAFTING_EXAMPLES.map((example) => [example.request, example] as const))('example "%s" is a valid answer', (_request, example) => {
    expect(DraftAnswer.safeParse(example.answer).success).toBe(true);
    const validation = validateWorkflowDefinition(example.answer.definition);
    expect(validation, JSON.stringify(validation)).toMatchObject({ ok: true });
    // As the prompt shows it, the answer reads back through the extractor.
    expect(PROMPT).toContain(JSON.stringify(example.answer, null, 2));
    expect(extractJsonObject(`Answer:\n\`\`\`json\n${JSON.stringify(example.answer, null, 2)}\n\`\`\``)).toEqual({ ok: true, value: example.answer });
  });

  it('shows most step types in the worked examples', () => {
    const used = new Set<string>();
    const visit = (steps: readonly Step[]): void => {
      for (const step of steps) {
        used.add(step.type);
        if (step.type === 'loop') visit(step.steps);
        if (step.type === 'conditional') visit([...step.then, ...(step.else ?? [])]);
      }
    };
    for (const example of DRAFTING_EXAMPLES) visit((example.answer.definition as unknown as WorkflowDefinition).steps);
    expect(used).toEqual(new Set(['bash', 'agent_prompt', 'notify', 'http', 'conditional', 'approval', 'loop']));
  });
});

describe('buildStepRefinePrompt', () => {
  const definition: WorkflowDefinition = {
    name: 'w',
    steps: [
      { id: 'fetch', type: 'http', method: 'GET', url: 'https://example.com' },
      { id: 'notify', type: 'notify', message: '{{ steps.fetch.output.body }}' },
    ],
  };

  it('says that only the chosen step may change and what it may read', () => {
    const prompt = buildStepRefinePrompt({ definition, stepId: 'notify' });
    expect(prompt).toContain('Change only step `notify`');
    expect(prompt).toContain('at steps[1]');
    expect(prompt).toMatch(/every other step, wherever it is, and every top-level field/);
    expect(prompt).toContain('the outputs of `fetch`');
    expect(prompt).toContain(JSON.stringify(definition.steps[1], null, 2));
  });

  it('names the loop item a nested step may read', () => {
    const example = DRAFTING_EXAMPLES[2]!.answer.definition as unknown as WorkflowDefinition;
    const prompt = buildStepRefinePrompt({ definition: example, stepId: 'deploy_region' });
    expect(prompt).toContain('at steps[1].steps[0]');
    expect(prompt).toContain('(inside its loop) `region`, `item` and `loop.index`');
  });

  it('handles an unknown step', () => {
    expect(buildStepRefinePrompt({ definition, stepId: 'nope' })).toMatch(/There is no step `nope`/);
  });
});

describe('DraftAnswer and its JSON Schema', () => {
  it.each([
    [{ definition: { name: 'x' } }, true],
    [{ definition: {}, trigger: { type: 'schedule', schedule: { cron: '0 9 * * *' } } }, true],
    [{ definition: {}, trigger: { type: 'schedule', schedule: { cron: '0 9 * * *', timezone: 'UTC' } } }, true],
    [{ definition: {}, trigger: { type: 'webhook' } }, true],
    [{ definition: {}, trigger: { type: 'manual' } }, true],
    [{}, false],
    [{ definition: {}, trigger: { type: 'cron' } }, false],
    [{ definition: {}, trigger: { type: 'schedule', schedule: {} } }, false],
    [{ definition: {}, extra: 1 }, false],
  ])('%j -> %s', (answer, ok) => {
    expect(DraftAnswer.safeParse(answer).success).toBe(ok);
  });

  it('the JSON Schema has the same shape as the zod schema', () => {
    const generated = z.toJSONSchema(DraftAnswer, { unrepresentable: 'any' }) as Record<string, unknown>;
    const strip = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(strip);
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        if (['$schema', 'description', 'minLength', 'oneOf', 'anyOf', 'type', 'const'].includes(key)) continue;
        out[key] = strip(child);
      }
      return out;
    };
    const triggers = (schema: Record<string, unknown>) => {
      const trigger = (schema.properties as Record<string, { anyOf?: unknown[]; oneOf?: unknown[] }>).trigger;
      return (trigger?.anyOf ?? trigger?.oneOf ?? []).map((branch) => JSON.stringify(branch).match(/"(schedule|webhook|manual)"/)?.[1]);
    };
    expect(triggers(DRAFT_ANSWER_JSON_SCHEMA as unknown as Record<string, unknown>)).toEqual(triggers(generated));
    expect(strip((DRAFT_ANSWER_JSON_SCHEMA.properties.trigger.anyOf as readonly unknown[])[0])).toEqual(
      strip(
        ((generated.properties as Record<string, { anyOf?: unknown[]; oneOf?: unknown[] }>).trigger?.oneOf ??
          (generated.properties as Record<string, { anyOf?: unknown[] }>).trigger?.anyOf ??
          [])[0],
      ),
    );
    // The model must list what it left out; the zod side accepts an answer without it (older fakes, the offline drafter's step answers).
    expect(DRAFT_ANSWER_JSON_SCHEMA.required).toEqual(['definition', 'unhandled']);
    expect(DRAFT_ANSWER_JSON_SCHEMA.properties.unhandled).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(DRAFT_ANSWER_JSON_SCHEMA.additionalProperties).toBe(false);
  });
});
