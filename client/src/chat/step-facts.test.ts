import { describe, expect, it } from 'vitest';
import { formatCostUsd, modelOf, personaOf, usageOf, workOf } from './step-facts';

const definition = {
  name: 'Triage',
  steps: [{ id: 'triage', type: 'agent_prompt' as const, prompt: 'Triage', persona: { name: 'Issue triager' } }],
};

describe('agent step header facts', () => {
  it('reads usage with its cost, or estimates the cost from the model; wrong shapes show nothing', () => {
    expect(usageOf({ usage: { inputTokens: 1000, outputTokens: 200, costUsd: 0.0123 } }, 'claude-sonnet-4-5')).toEqual({
      input: 1000,
      output: 200,
      costUsd: 0.0123,
    });
    // claude-sonnet-4: $3 in, $15 out per million tokens.
    expect(usageOf({ usage: { inputTokens: 1_000_000, outputTokens: 100_000 } }, 'claude-sonnet-4-5')).toEqual({
      input: 1_000_000,
      output: 100_000,
      costUsd: 4.5,
    });
    expect(usageOf({ usage: { inputTokens: 10, outputTokens: 5, costUsd: null } }, 'some-local-model')).toEqual({ input: 10, output: 5, costUsd: null });
    expect(usageOf({ usage: { inputTokens: '10', outputTokens: 5 } }, null)).toBeNull();
    expect(usageOf(null, null)).toBeNull();
    expect(modelOf(null, { model: 7 }, { model: 'claude-haiku-4-5' })).toBe('claude-haiku-4-5');
  });

  it("names the persona from the turn's meta, else from the step's definition", () => {
    expect(personaOf({ meta: { persona: 'Reviewer' }, definition, stepId: 'triage' })).toBe('Reviewer');
    expect(personaOf({ meta: { persona: { name: 'Fixer' } }, definition, stepId: 'triage' })).toBe('Fixer');
    expect(personaOf({ meta: {}, definition, stepId: 'triage' })).toBe('Issue triager');
    expect(personaOf({ meta: undefined, definition: null, stepId: 'triage' })).toBeNull();
  });

  it('counts tool calls and formats costs for a header', () => {
    expect(workOf({ toolCalls: { total: 4, failed: 1, denied: 0 } })).toEqual({ toolCalls: 4 });
    expect(workOf({})).toEqual({ toolCalls: null });
    expect([0, 0.00004, 0.0042, 0.048, 1.5].map(formatCostUsd)).toEqual(['$0', '<$0.0001', '$0.0042', '$0.048', '$1.50']);
  });
});
