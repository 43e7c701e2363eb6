import { describe, expect, it } from 'vitest';
import { createAnthropicFromSettings, type AnthropicClientOptions, type LlmSettings } from './anthropic-provider';

const settings = (over: Partial<LlmSettings> = {}): LlmSettings => ({
  provider: 'anthropic',
  apiKey: 'sk-test',
  authToken: undefined,
  baseUrl: undefined,
  model: 'claude-x',
  fallbackModels: [],
  timeoutMs: 30_000,
  maxRetries: 2,
  ...over,
});

describe('createAnthropicFromSettings', () => {
  it('hands the SDK its key, token, base URL, timeout and retries', () => {
    const seen: AnthropicClientOptions[] = [];
    const provider = createAnthropicFromSettings(settings({ authToken: 'tok', baseUrl: 'http://127.0.0.1:11434' }), (options) => {
      seen.push(options);
      return { messages: { stream: () => undefined } };
    });
    expect(provider).toMatchObject({ kind: 'anthropic', model: 'claude-x' });
    expect(seen).toEqual([{ apiKey: 'sk-test', authToken: 'tok', baseURL: 'http://127.0.0.1:11434', timeout: 30_000, maxRetries: 2 }]);
  });

  it('leaves the base URL to the SDK default and sends null for a missing key (a local server may need none)', () => {
    const seen: AnthropicClientOptions[] = [];
    createAnthropicFromSettings(settings({ apiKey: undefined }), (options) => {
      seen.push(options);
      return {};
    });
    expect(seen[0]).toEqual({ apiKey: null, authToken: null, timeout: 30_000, maxRetries: 2 });
    expect(seen[0]).not.toHaveProperty('baseURL');
  });
});
