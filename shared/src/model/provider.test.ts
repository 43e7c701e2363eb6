import { describe, expect, it } from 'vitest';
import { createModelFromSettings, type AnthropicClientOptions, type LlmSettings } from './provider';

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

describe('createModelFromSettings', () => {
  it('makes no client when the offline provider serves', () => {
    let made = 0;
    expect(createModelFromSettings(settings({ provider: 'offline' }), () => made++)).toBeNull();
    expect(made).toBe(0);
  });

  it('hands the SDK its key, token, base URL, timeout and retries', () => {
    const seen: AnthropicClientOptions[] = [];
    const provider = createModelFromSettings(settings({ authToken: 'tok', baseUrl: 'http://127.0.0.1:11434' }), (options) => {
      seen.push(options);
      return { messages: { stream: () => undefined } };
    });
    expect(provider).not.toBeNull();
    expect(seen).toEqual([{ apiKey: 'sk-test', authToken: 'tok', baseURL: 'http://127.0.0.1:11434', timeout: 30_000, maxRetries: 2 }]);
  });

  it('leaves the base URL to the SDK default and sends null for a missing key (a local server may need none)', () => {
    const seen: AnthropicClientOptions[] = [];
    createModelFromSettings(settings({ apiKey: undefined }), (options) => {
      seen.push(options);
      return {};
    });
    expect(seen[0]).toEqual({ apiKey: null, authToken: null, timeout: 30_000, maxRetries: 2 });
    expect(seen[0]).not.toHaveProperty('baseURL');
  });
});
