import Anthropic from '@anthropic-ai/sdk';
import { createModelProvider, type MessagesClient, type ModelProvider } from '@weft/shared';
import type { Config } from '../config';

/** The SDK client from settings; `null` means the offline provider serves. */
export function createModelFromConfig(llm: Config['llm']): ModelProvider | null {
  if (llm.provider === 'offline') return null;
  const client = new Anthropic({
    // A local Anthropic-compatible server (Ollama, llama.cpp) may need no key at all.
    apiKey: llm.apiKey ?? null,
    authToken: llm.authToken ?? null,
    ...(llm.baseUrl ? { baseURL: llm.baseUrl } : {}),
    timeout: llm.timeoutMs,
    maxRetries: llm.maxRetries,
  });
  return createModelProvider({
    client: client as unknown as MessagesClient,
    settings: { model: llm.model, fallbackModels: llm.fallbackModels, timeoutMs: llm.timeoutMs },
  });
}
