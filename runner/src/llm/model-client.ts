import Anthropic from '@anthropic-ai/sdk';
import { createModelProvider, type MessagesClient, type ModelProvider } from '@weft/shared';
import type { RunnerConfig } from '../config';

/** The SDK client from settings; `null` means agent steps answer offline (and say so). */
export function createModelFromConfig(llm: RunnerConfig['llm']): ModelProvider | null {
  if (llm.provider === 'offline') return null;
  const client = new Anthropic({
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
