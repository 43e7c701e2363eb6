import Anthropic from '@anthropic-ai/sdk';
import { createAnthropicFromSettings, type AnthropicClientOptions, type LlmSettings, type ModelProvider } from '@weft/shared';
import { createOfflineAgentProvider } from './offline-agent';

/** The model agent steps talk to: Anthropic, or without one the offline provider (which says so). */
export function createModelFromConfig(
  llm: LlmSettings,
  makeClient: (options: AnthropicClientOptions) => unknown = (options) => new Anthropic(options),
): ModelProvider {
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
