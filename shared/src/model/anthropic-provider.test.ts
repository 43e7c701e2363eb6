import { describe, expect, it } from 'vitest';
import { createAnthropicFromSettings, llmSettingsFromEnv, type AnthropicClientOptions, type LlmSettings } from './anthropic-provider';

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

describe('llmSettingsFromEnv', () => {
  const env = { WEFT_MODEL: 'claude-x', WEFT_LLM_TIMEOUT_MS: 30_000, WEFT_LLM_MAX_RETRIES: 2 };

  it.each([
    [{}, 'offline'],
    [{ ANTHROPIC_API_KEY: 'sk' }, 'anthropic'],
    [{ ANTHROPIC_AUTH_TOKEN: 'tok' }, 'anthropic'],
    [{ ANTHROPIC_BASE_URL: 'http://127.0.0.1:11434' }, 'anthropic'],
  ] as const)('%o selects the %s provider', (access, provider) => {
    expect(llmSettingsFromEnv({ ...env, ...access }).provider).toBe(provider);
  });

  it('splits the fallback models on commas, dropping blanks', () => {
    expect(llmSettingsFromEnv({ ...env, WEFT_FALLBACK_MODELS: ' a , ,b,' }).fallbackModels).toEqual(['a', 'b']);
    expect(llmSettingsFromEnv(env)).toEqual(settings({ apiKey: undefined, provider: 'offline' }));
  });
});
