import { createAnthropicFromSettings, lazyMessagesClient, type AnthropicClientOptions, type LlmSettings, type ModelProvider } from '@weft/shared';
import { createOfflineAssistantProvider } from '../chat/offline-assistant';
import { createOfflineDraftingProvider } from '../drafting/offline/offline-provider';

/** The model each capability talks to. */
export type Models = { drafting: ModelProvider; assistant: ModelProvider };

/**
 * One Anthropic provider shared by drafting and the assistant (one SDK client), or, without a
 * model, each capability's rule-based offline provider. The only place that looks at which.
 */
/** The SDK client, imported at the first model request (lazyMessagesClient says why). */
const anthropicClient = (options: AnthropicClientOptions) =>
  lazyMessagesClient(async () => {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    return new Anthropic(options);
  });

export function createModels(llm: LlmSettings, makeClient: (options: AnthropicClientOptions) => unknown = anthropicClient): Models {
  switch (llm.provider) {
    case 'anthropic': {
      const model = createAnthropicFromSettings(llm, makeClient);
      return { drafting: model, assistant: model };
    }
    case 'offline':
      return { drafting: createOfflineDraftingProvider(), assistant: createOfflineAssistantProvider() };
    default: {
      const never: never = llm.provider;
      throw new Error(`unknown model provider ${String(never)}`);
    }
  }
}
