import { createTurnAssembler } from './turn-assembler';
import type { StreamEvent } from './stream-events';
import { isFailoverError, isStructuredOutputUnsupported } from './failover';
import type { AbortSignalLike, ModelProvider, ProviderKind, TurnRequest, TurnResult } from './provider';

/** The one method of the SDK Weft uses, typed structurally (the SDK's client satisfies it). */
export type MessagesClient = {
  messages: {
    stream(params: Record<string, unknown>, options?: { signal?: AbortSignalLike; timeout?: number }): AsyncIterable<StreamEvent> & { abort(): void };
  };
};

/**
 * A client that makes the real one (`load`, which imports the SDK) at its first request, so a
 * process that never talks to a model never loads the SDK: it is the largest module the server
 * and the runner import (about 10 MB and a few hundred ms each at start-up).
 */
export function lazyMessagesClient(load: () => Promise<unknown>): MessagesClient {
  let client: Promise<MessagesClient> | undefined;
  const loaded = () => {
    // The SDK's client is a MessagesClient structurally (see createAnthropicFromSettings).
    // A failed load (a broken install) is tried again by the next request.
    client ??= (load() as Promise<MessagesClient>).catch((err: unknown) => {
      client = undefined;
      throw err;
    });
    return client;
  };
  return {
    messages: {
      stream(params, options) {
        let inner: { abort(): void } | undefined;
        let aborted = false;
        async function* events(): AsyncGenerator<StreamEvent> {
          const real = await loaded();
          if (aborted) return;
          const stream = real.messages.stream(params, options);
          inner = stream;
          yield* stream;
        }
        return Object.assign(events(), {
          abort() {
            aborted = true;
            inner?.abort();
          },
        });
      },
    },
  };
}

export type ProviderSettings = { model: string; fallbackModels: string[]; timeoutMs: number; maxTokens?: number };

/**
 * Streams one assistant turn with model failover and structured-output fallback. The client is
 * injected, so this module stays free of I/O and server and runner share it.
 */
export function createAnthropicProvider({ client, settings }: { client: MessagesClient; settings: ProviderSettings }): ModelProvider {
  // Learned per process: once a server refuses output_config, ask for JSON in the prompt instead.
  let nativeStructured = true;

  async function once(model: string, req: TurnRequest, native: boolean) {
    const assembler = createTurnAssembler(req.onEvent);
    let system = req.system;
    const params: Record<string, unknown> = {
      model,
      max_tokens: req.maxTokens ?? settings.maxTokens ?? 4096,
      messages: req.messages,
    };
    if (req.tools && req.tools.length > 0) params.tools = req.tools;
    if (req.outputSchema) {
      if (native) params.output_config = { format: { type: 'json_schema', schema: req.outputSchema } };
      else system = `${system ?? ''}\n\nAnswer with only a JSON object that matches this JSON Schema, no prose:\n${JSON.stringify(req.outputSchema)}`.trim();
    }
    if (system) params.system = system;
    const stream = client.messages.stream(params, { ...(req.signal ? { signal: req.signal } : {}), timeout: req.timeoutMs ?? settings.timeoutMs });
    for await (const event of stream) assembler.feed(event);
    return assembler.result();
  }

  return {
    kind: 'anthropic',
    model: settings.model,
    async turn(req: TurnRequest): Promise<TurnResult> {
      const models = [req.model ?? settings.model, ...settings.fallbackModels.filter((m) => m !== (req.model ?? settings.model))];
      let lastError: unknown;
      for (let i = 0; i < models.length; i++) {
        const model = models[i]!;
        try {
          let native = nativeStructured && req.outputSchema !== undefined;
          let r: Awaited<ReturnType<typeof once>>;
          try {
            r = await once(model, req, native);
          } catch (err) {
            if (!(native && isStructuredOutputUnsupported(err))) throw err;
            nativeStructured = false;
            native = false;
            r = await once(model, req, false);
          }
          return {
            provider: 'anthropic',
            model: r.model ?? model,
            content: r.content,
            text: r.text,
            usage: r.usage,
            stopReason: r.stopReason,
            attempts: i + 1,
            structuredNative: native,
          };
        } catch (err) {
          lastError = err;
          if (req.signal?.aborted) throw err;
          const next = models[i + 1];
          if (next === undefined || !isFailoverError(err)) throw err;
          req.onFailover?.({ failedModel: model, nextModel: next, error: err });
        }
      }
      throw lastError;
    },
  };
}

/** Model access as the server and the runner read it from their environment. */
export type LlmSettings = {
  /** `offline` when neither a key nor a base URL is set. */
  provider: ProviderKind;
  apiKey: string | undefined;
  authToken: string | undefined;
  baseUrl: string | undefined;
  model: string;
  fallbackModels: string[];
  timeoutMs: number;
  maxRetries: number;
};

/** The model variables the server and the runner both read, as their env schemas parsed them. */
export type LlmEnv = {
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_AUTH_TOKEN?: string;
  ANTHROPIC_BASE_URL?: string;
  WEFT_MODEL: string;
  /** Comma-separated model names. */
  WEFT_FALLBACK_MODELS?: string;
  WEFT_LLM_TIMEOUT_MS: number;
  WEFT_LLM_MAX_RETRIES: number;
};

/** The settings those variables describe; any of a key, a token or a base URL means Anthropic. */
export function llmSettingsFromEnv(e: LlmEnv): LlmSettings {
  return {
    provider: e.ANTHROPIC_API_KEY || e.ANTHROPIC_AUTH_TOKEN || e.ANTHROPIC_BASE_URL ? 'anthropic' : 'offline',
    apiKey: e.ANTHROPIC_API_KEY,
    authToken: e.ANTHROPIC_AUTH_TOKEN,
    baseUrl: e.ANTHROPIC_BASE_URL,
    model: e.WEFT_MODEL,
    fallbackModels: (e.WEFT_FALLBACK_MODELS ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    timeoutMs: e.WEFT_LLM_TIMEOUT_MS,
    maxRetries: e.WEFT_LLM_MAX_RETRIES,
  };
}

/** What an Anthropic SDK client is constructed with for these settings. */
export type AnthropicClientOptions = { apiKey: string | null; authToken: string | null; baseURL?: string; timeout: number; maxRetries: number };

/**
 * The Anthropic provider for these settings. The SDK client is made by the caller (`makeClient`),
 * so this stays free of the SDK and of I/O.
 */
export function createAnthropicFromSettings(llm: LlmSettings, makeClient: (options: AnthropicClientOptions) => unknown): ModelProvider {
  const client = makeClient({
    // A local Anthropic-compatible server (Ollama, llama.cpp) may need no key at all.
    apiKey: llm.apiKey ?? null,
    authToken: llm.authToken ?? null,
    ...(llm.baseUrl ? { baseURL: llm.baseUrl } : {}),
    timeout: llm.timeoutMs,
    maxRetries: llm.maxRetries,
  });
  return createAnthropicProvider({
    client: client as MessagesClient,
    settings: { model: llm.model, fallbackModels: llm.fallbackModels, timeoutMs: llm.timeoutMs },
  });
}
