import type { AnthropicClientOptions, LlmSettings } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { createModelFromConfig } from './model-client';

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

describe('createModelFromConfig', () => {
  it('serves agent steps offline without making an SDK client', () => {
    const made: AnthropicClientOptions[] = [];
    const model = createModelFromConfig(llm('offline'), (options) => made.push(options));
    expect(model).toMatchObject({ kind: 'offline', model: 'offline' });
    expect(made).toEqual([]);
  });

  it('makes one SDK client for the Anthropic provider', () => {
    const made: AnthropicClientOptions[] = [];
    const model = createModelFromConfig(llm('anthropic'), (options) => made.push(options));
    expect(model).toMatchObject({ kind: 'anthropic', model: 'claude-x' });
    expect(made).toHaveLength(1);
  });
});
