import { createTurnAssembler } from './turn-assembler';
import type { ContentBlock, StreamEvent, TurnEvent, Usage } from './stream-events';
import { isFailoverError, isStructuredOutputUnsupported } from './failover';

/** Structural AbortSignal: `shared` has no DOM or Node types. */
export type AbortSignalLike = { readonly aborted: boolean };

/** The one method of the SDK Weft uses, typed structurally (the SDK's client satisfies it). */
export type MessagesClient = {
  messages: {
    stream(
      params: Record<string, unknown>,
      options?: { signal?: AbortSignalLike; timeout?: number },
    ): AsyncIterable<StreamEvent> & { abort(): void };
  };
};

export type ToolSpec = { name: string; description: string; input_schema: Record<string, unknown> };
export type ChatMessage = { role: 'user' | 'assistant'; content: string | unknown[] };

export type TurnRequest = {
  system?: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  model?: string;
  maxTokens?: number;
  /** JSON Schema of the answer: native structured outputs when the server has them. */
  outputSchema?: Record<string, unknown>;
  signal?: AbortSignalLike;
  timeoutMs?: number;
  onEvent?: (e: TurnEvent) => void;
  /** Called when a model attempt fails and the next model takes over (the caller closes what it streamed). */
  onFailover?: (info: { failedModel: string; nextModel: string; error: unknown }) => void;
};

export type TurnResult = {
  provider: 'anthropic';
  model: string;
  content: ContentBlock[];
  text: string;
  usage: Usage;
  stopReason: string | null;
  /** How many model attempts this turn took (failover). */
  attempts: number;
  structuredNative: boolean;
};

export type ProviderSettings = { model: string; fallbackModels: string[]; timeoutMs: number; maxTokens?: number };

/**
 * Streams one assistant turn with model failover and structured-output fallback. The client is
 * injected, so this module stays free of I/O and server and runner share it.
 */
export function createModelProvider({ client, settings }: { client: MessagesClient; settings: ProviderSettings }) {
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
    kind: 'anthropic' as const,
    settings,
    async turn(req: TurnRequest): Promise<TurnResult> {
      const models = [req.model ?? settings.model, ...settings.fallbackModels.filter((m) => m !== (req.model ?? settings.model))];
      let lastError: unknown;
      for (let i = 0; i < models.length; i++) {
        const model = models[i]!;
        try {
          let native = nativeStructured && req.outputSchema !== undefined;
          let r;
          try {
            r = await once(model, req, native);
          } catch (err) {
            if (!(native && isStructuredOutputUnsupported(err))) throw err;
            nativeStructured = false;
            native = false;
            r = await once(model, req, false);
          }
          return { provider: 'anthropic', model: r.model ?? model, content: r.content, text: r.text, usage: r.usage, stopReason: r.stopReason, attempts: i + 1, structuredNative: native };
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

export type ModelProvider = ReturnType<typeof createModelProvider>;

/** Model access as the server and the runner read it from their environment. */
export type LlmSettings = {
  /** `offline` when neither a key nor a base URL is set. */
  provider: 'anthropic' | 'offline';
  apiKey: string | undefined;
  authToken: string | undefined;
  baseUrl: string | undefined;
  model: string;
  fallbackModels: string[];
  timeoutMs: number;
  maxRetries: number;
};

/** What an Anthropic SDK client is constructed with for these settings. */
export type AnthropicClientOptions = { apiKey: string | null; authToken: string | null; baseURL?: string; timeout: number; maxRetries: number };

/**
 * The model provider for these settings, or `null` when the offline provider serves. The SDK client
 * is made by the caller (`makeClient`), so this stays free of the SDK and of I/O.
 */
export function createModelFromSettings(llm: LlmSettings, makeClient: (options: AnthropicClientOptions) => unknown): ModelProvider | null {
  if (llm.provider === 'offline') return null;
  const client = makeClient({
    // A local Anthropic-compatible server (Ollama, llama.cpp) may need no key at all.
    apiKey: llm.apiKey ?? null,
    authToken: llm.authToken ?? null,
    ...(llm.baseUrl ? { baseURL: llm.baseUrl } : {}),
    timeout: llm.timeoutMs,
    maxRetries: llm.maxRetries,
  });
  return createModelProvider({ client: client as MessagesClient, settings: { model: llm.model, fallbackModels: llm.fallbackModels, timeoutMs: llm.timeoutMs } });
}
