import type { ModelProvider } from '@weft/shared';
import { boundedLabel, type Metrics } from './registry';

/** Model names given their own series; later ones are counted as `other`. */
const MODEL_LABELS = 50;

export type LlmSource = 'agent' | 'assistant' | 'drafting';

/** Model tokens and errors (`weft_llm_tokens_total`, `weft_llm_errors_total`), with the model label bounded. */
export function createLlmUsage(metrics: Metrics) {
  const modelLabel = boundedLabel(MODEL_LABELS);
  const usage = {
    tokens({ model, source, input, output }: { model: string; source: LlmSource; input: number; output: number }): void {
      const labels = { model: modelLabel(model), source };
      if (input > 0) metrics.llmTokens.inc({ ...labels, direction: 'input' }, input);
      if (output > 0) metrics.llmTokens.inc({ ...labels, direction: 'output' }, output);
    },
    error({ model, source }: { model: string; source: LlmSource }): void {
      metrics.llmErrors.inc({ model: modelLabel(model), source });
    },
    /**
     * The provider, counting each turn's usage and failures under `source`. For calls the journal
     * does not see (drafting): agent steps and the assistant are counted from their messages.
     */
    counted(provider: ModelProvider, source: LlmSource): ModelProvider {
      return {
        kind: provider.kind,
        model: provider.model,
        async turn(req) {
          try {
            const result = await provider.turn(req);
            usage.tokens({ model: result.model, source, input: result.usage.inputTokens, output: result.usage.outputTokens });
            return result;
          } catch (err) {
            // A caller that went away is not the model's failure.
            if (!req.signal?.aborted) usage.error({ model: req.model ?? provider.model, source });
            throw err;
          }
        },
      };
    },
  };
  return usage;
}

export type LlmUsage = ReturnType<typeof createLlmUsage>;
