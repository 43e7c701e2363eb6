import Anthropic from '@anthropic-ai/sdk';
import { createAnthropicFromSettings, type AnthropicClientOptions, type LlmSettings, type ModelProvider } from '@weft/shared';
import { createOfflineAssistantProvider } from '../chat/offline-assistant';
import { createOfflineDraftingProvider } from '../drafting/offline/offline-provider';

/** The model each capability talks to. */
export type Models = { drafting: ModelProvider; assistant: ModelProvider };

/**
 * One Anthropic provider shared by drafting and the assistant (one SDK client), or, without a
 * model, each capability's rule-based offline provider. The only place that looks at which.
 */
export function createModels(llm: LlmSettings, makeClient: (options: AnthropicClientOptions) => unknown = (options) => new Anthropic(options)): Models {
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
