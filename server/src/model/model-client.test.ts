import type { AnthropicClientOptions, LlmSettings } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { createModels } from './model-client';

const llm = (provider: LlmSettings['provider']): LlmSettings => ({
  provider,
  apiKey: 'k',
  authToken: undefined,
  baseUrl: undefined,
  model: 'claude-x',
  fallbackModels: [],
  timeoutMs: 1000,
  maxRetries: 0,
});

describe('createModels', () => {
  it('gives drafting and the assistant their own offline providers and makes no SDK client', async () => {
    const made: AnthropicClientOptions[] = [];
    const models = createModels(llm('offline'), (options) => made.push(options));
    expect(made).toEqual([]);
    expect(models.drafting).toMatchObject({ kind: 'offline', model: 'offline' });
    expect(models.assistant).toMatchObject({ kind: 'offline', model: 'offline' });
    // Each answers as its capability needs: the drafter drafts, the assistant calls the draft tool.
    const draft = await models.drafting.turn({ messages: [], task: { kind: 'draft', prompt: 'every day at 8 run `uptime`', timezone: 'UTC' } });
    expect(draft.text).toContain('"definition"');
    const chat = await models.assistant.turn({ messages: [{ role: 'user', content: 'draft a workflow that runs `uptime`' }] });
    expect(chat.content).toMatchObject([{ type: 'tool_use', name: 'workflows__draft_workflow' }]);
  });

  it('shares one Anthropic provider, on one SDK client, between drafting and the assistant', () => {
    const made: AnthropicClientOptions[] = [];
    const models = createModels(llm('anthropic'), (options) => made.push(options));
    expect(made).toHaveLength(1);
    expect(models.drafting).toBe(models.assistant);
    expect(models.drafting).toMatchObject({ kind: 'anthropic', model: 'claude-x' });
  });
});
