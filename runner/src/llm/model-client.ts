import { createAnthropicFromSettings, lazyMessagesClient, type AnthropicClientOptions, type LlmSettings, type ModelProvider } from '@weft/shared';
import { createOfflineAgentProvider } from './offline-agent';

/** The SDK client, imported at the first model request (lazyMessagesClient says why). */
const anthropicClient = (options: AnthropicClientOptions) =>
  lazyMessagesClient(async () => {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    return new Anthropic(options);
  });

/** The model agent steps talk to: Anthropic, or without one the offline provider (which says so). */
export function createModelFromConfig(llm: LlmSettings, makeClient: (options: AnthropicClientOptions) => unknown = anthropicClient): ModelProvider {
  switch (llm.provider) {
    case 'anthropic':
      return createAnthropicFromSettings(llm, makeClient);
    case 'offline':
      return createOfflineAgentProvider();
    default: {
      const never: never = llm.provider;
      throw new Error(`unknown model provider ${String(never)}`);
    }
  }
}
