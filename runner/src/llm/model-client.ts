import Anthropic from '@anthropic-ai/sdk';
import { createModelFromSettings, type LlmSettings, type ModelProvider } from '@weft/shared';

/** The SDK client from settings; `null` means agent steps answer offline (and say so). */
export const createModelFromConfig = (llm: LlmSettings): ModelProvider | null => createModelFromSettings(llm, (options) => new Anthropic(options));
