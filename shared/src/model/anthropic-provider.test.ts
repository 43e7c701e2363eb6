import { describe, expect, it } from 'vitest';
import {
  createAnthropicFromSettings,
  lazyMessagesClient,
  llmSettingsFromEnv,
  type AnthropicClientOptions,
  type LlmSettings,
  type MessagesClient,
} from './anthropic-provider';
import type { StreamEvent } from './stream-events';

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

describe('lazyMessagesClient', () => {
  const event = { type: 'message_stop' } as StreamEvent;
  const fakeClient = (calls: string[]): MessagesClient => ({
    messages: {
      stream: (params) =>
        Object.assign(
          (async function* () {
            calls.push(String(params.model));
            yield event;
          })(),
          { abort: () => calls.push('abort') },
        ),
    },
  });
  const drain = async (stream: AsyncIterable<StreamEvent>) => {
    const seen: StreamEvent[] = [];
    for await (const e of stream) seen.push(e);
    return seen;
  };

  it('loads the client at the first request only, once for every later one', async () => {
    const calls: string[] = [];
    let loads = 0;
    const client = lazyMessagesClient(async () => {
      loads++;
      return fakeClient(calls);
    });
    const stream = client.messages.stream({ model: 'a' });
    expect(loads).toBe(0);
    expect(await drain(stream)).toEqual([event]);
    expect(await drain(client.messages.stream({ model: 'b' }))).toEqual([event]);
    expect({ loads, calls }).toEqual({ loads: 1, calls: ['a', 'b'] });
  });

  it('tries a failed load again at the next request', async () => {
    let loads = 0;
    const client = lazyMessagesClient(async () => {
      if (++loads === 1) throw new Error('Cannot find package');
      return fakeClient([]);
    });
    await expect(drain(client.messages.stream({ model: 'a' }))).rejects.toThrow('Cannot find package');
    expect(await drain(client.messages.stream({ model: 'a' }))).toEqual([event]);
    expect(loads).toBe(2);
  });

  it('starts no request when aborted before the client was loaded', async () => {
    const calls: string[] = [];
    const client = lazyMessagesClient(async () => fakeClient(calls));
    const stream = client.messages.stream({ model: 'a' });
    stream.abort();
    expect(await drain(stream)).toEqual([]);
    expect(calls).toEqual([]);
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
