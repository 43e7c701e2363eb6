import type { AgentPromptOutput } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { createOfflineAgentProvider } from '../../src/llm/offline-agent';
import type { ToolClient } from '../../src/llm/tool-client';
import { createAgentPromptStep } from '../../src/steps/agent-prompt';
import { stepContext } from '../helpers/step-context';

/** A tool client that lists no tools and refuses to be called: the offline agent calls none. */
const noTools: ToolClient = {
  list: async () => [],
  call: async () => {
    throw new Error('the offline agent called a tool');
  },
  ask: async () => {
    throw new Error('the offline agent asked a person');
  },
};

describe('agent_prompt with the offline provider', () => {
  it('streams the notice into one assistant message and returns it, labelled offline', async () => {
    const ctx = stepContext({ scope: { inputs: { who: 'ada' }, steps: {}, trigger: null } as never });
    const out = (await createAgentPromptStep({ model: createOfflineAgentProvider(), tools: noTools }).run(ctx, {
      id: 'step_one',
      type: 'agent_prompt',
      prompt: 'Greet {{ inputs.who }}',
    })) as AgentPromptOutput;
    expect(out).toMatchObject({ provider: 'offline', model: 'offline', usage: { inputTokens: 0, outputTokens: 0 }, attempts: 1 });
    expect(out.text).toMatch(/^\[offline\] /);
    expect(out.text).toContain('Prompt: "Greet ada"');
    expect(out).not.toHaveProperty('structured');
    expect(ctx.messages.map((m) => [m.op, m.key])).toEqual([
      ['create', 'agent:step_one::1:prompt'],
      ['complete', 'agent:step_one::1:prompt'],
      ['create', 'agent:step_one::1:1'],
      ['delta', 'agent:step_one::1:1'],
      ['complete', 'agent:step_one::1:1'],
    ]);
    expect(ctx.messages[2]).toMatchObject({ role: 'assistant', meta: { provider: 'offline', model: 'offline' } });
    expect(ctx.messages[3]).toMatchObject({ deltaSeq: 1, partIndex: 0, delta: { kind: 'append_text', text: out.text } });
    expect(ctx.messages[4]).toMatchObject({ status: 'complete' });
  });

  it('returns the schema placeholder as structured output, checked like a model answer', async () => {
    const ctx = stepContext();
    const schema = {
      type: 'object',
      required: ['severity', 'count'],
      properties: { severity: { enum: ['low', 'high'] }, count: { type: 'integer', minimum: 2 } },
    };
    const out = await createAgentPromptStep({ model: createOfflineAgentProvider(), tools: noTools }).run(ctx, {
      id: 'step_one',
      type: 'agent_prompt',
      prompt: 'Triage',
      output: { schema },
    });
    expect(out).toMatchObject({ provider: 'offline', structured: { severity: 'low', count: 2 }, attempts: 1 });
  });
});
