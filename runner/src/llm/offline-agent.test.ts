import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractJsonObject, type TurnEvent } from '@weft/shared';
import { createOfflineAgentProvider, offlineAgentAnswer, placeholderForSchema } from './offline-agent';

describe('offlineAgentAnswer', () => {
  it('says plainly that no model is configured, and echoes the prompt', () => {
    const { text, structured } = offlineAgentAnswer({ prompt: 'Summarise these issues:\n- a\n- b' });
    expect(text.startsWith('[offline] ')).toBe(true);
    expect(text).toMatch(/No language model is configured/);
    expect(text).toMatch(/ANTHROPIC_API_KEY/);
    expect(text).toMatch(/ANTHROPIC_BASE_URL/);
    expect(text).toContain('Summarise these issues:');
    expect(structured).toBeUndefined();
  });

  it('cuts a long prompt short', () => {
    const { text } = offlineAgentAnswer({ prompt: 'x'.repeat(5000) });
    expect(text.length).toBeLessThan(600);
  });

  it('returns a placeholder matching a simple output schema', () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string' },
        score: { type: 'number', minimum: 1, maximum: 5 },
        count: { type: 'integer', exclusiveMinimum: 0 },
        urgent: { type: 'boolean' },
        labels: { type: 'array', items: { type: 'string' } },
        level: { type: 'string', enum: ['low', 'high'] },
        owner: { type: ['string', 'null'] },
        when: { type: 'string', format: 'date-time' },
        nested: { type: 'object', properties: { id: { type: 'string', minLength: 10 } }, required: ['id'] },
        optional: { type: 'string' },
      },
      required: ['title', 'score', 'count', 'urgent', 'labels', 'level', 'owner', 'when', 'nested'],
    };
    const { text, structured } = offlineAgentAnswer({ prompt: 'Rate it', outputSchema: schema });
    expect(text.startsWith('[offline] ')).toBe(true);
    expect(structured).toEqual({
      title: 'offline',
      score: 1,
      count: 1,
      urgent: false,
      labels: [],
      level: 'low',
      owner: 'offline',
      when: '1970-01-01T00:00:00Z',
      nested: { id: 'offline---' },
    });
    // The same shape, checked independently.
    const Shape = z.strictObject({
      title: z.string(),
      score: z.number().min(1).max(5),
      count: z.number().int().positive(),
      urgent: z.boolean(),
      labels: z.array(z.string()),
      level: z.enum(['low', 'high']),
      owner: z.string().nullable(),
      when: z.iso.datetime(),
      nested: z.strictObject({ id: z.string().min(10) }),
    });
    expect(Shape.safeParse(structured).success).toBe(true);
  });

  it.each([
    [{ type: 'string' }, 'offline'],
    [{ type: 'number' }, 0],
    [{ type: 'boolean' }, false],
    [{ type: 'array', items: { type: 'number' }, minItems: 2 }, [0, 0]],
    [{ enum: [3, 4] }, 3],
    [{ const: 'x' }, 'x'],
    [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, 0],
    [
      {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] },
        ],
      },
      { a: 'offline', b: false },
    ],
    [
      {
        $defs: { item: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } },
        type: 'array',
        items: { $ref: '#/$defs/item' },
        minItems: 1,
      },
      [{ n: 0 }],
    ],
    [{ type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } }, required: ['items'], additionalProperties: false }, { items: [] }],
    [{}, null],
    [{ $ref: 'https://elsewhere.example/schema' }, null],
  ])('%j -> %j', (schema, value) => {
    expect(placeholderForSchema(schema)).toEqual(value);
  });

  it('does not loop on a self-referencing schema', () => {
    const schema = { type: 'object', properties: { next: { $ref: '#' } }, required: ['next'] };
    expect(() => placeholderForSchema(schema)).not.toThrow();
  });
});

describe('the offline agent provider', () => {
  const schema = {
    type: 'object',
    properties: { severity: { enum: ['low', 'high'] }, count: { type: 'integer', minimum: 1 } },
    required: ['severity', 'count'],
  };

  it('answers every turn with the notice for the step prompt, streamed, labelled offline, calling nothing', async () => {
    const events: TurnEvent[] = [];
    const turn = await createOfflineAgentProvider().turn({
      system: 'You triage.',
      messages: [
        { role: 'user', content: 'Summarise today' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'again' },
      ],
      tools: [{ name: 'workflows__list_workflows', description: '', input_schema: {} }],
      onEvent: (e) => events.push(e),
    });
    expect(turn).toMatchObject({ provider: 'offline', model: 'offline', stopReason: 'end_turn', usage: { inputTokens: 0, outputTokens: 0 } });
    expect(turn.text).toBe(offlineAgentAnswer({ prompt: 'Summarise today' }).text);
    expect(turn.content.every((block) => block.type === 'text')).toBe(true);
    expect(
      events
        .filter((e) => e.kind === 'text')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe(turn.text);
  });

  it('puts the placeholder in the text, where the step reads structured output', async () => {
    const turn = await createOfflineAgentProvider().turn({ messages: [{ role: 'user', content: 'Triage' }], outputSchema: schema });
    expect(turn.text.startsWith('[offline] ')).toBe(true);
    expect(extractJsonObject(turn.text)).toEqual({ ok: true, value: { severity: 'low', count: 1 } });
    expect(offlineAgentAnswer({ prompt: 'Triage', outputSchema: schema }).structured).toEqual({ severity: 'low', count: 1 });
  });
});
