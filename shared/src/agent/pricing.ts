/**
 * Estimated cost of model usage, from list prices in US dollars per million tokens. Estimates only:
 * cache discounts and batch pricing are left out. An unknown model has no estimate (null).
 */
const PRICES: readonly { prefix: string; input: number; output: number }[] = [
  { prefix: 'claude-opus-4', input: 15, output: 75 },
  { prefix: 'claude-sonnet-4', input: 3, output: 15 },
  { prefix: 'claude-3-7-sonnet', input: 3, output: 15 },
  { prefix: 'claude-3-5-sonnet', input: 3, output: 15 },
  { prefix: 'claude-haiku-4', input: 1, output: 5 },
  { prefix: 'claude-3-5-haiku', input: 0.8, output: 4 },
  { prefix: 'claude-3-haiku', input: 0.25, output: 1.25 },
  { prefix: 'offline', input: 0, output: 0 },
];

export type ModelUsage = { inputTokens: number; outputTokens: number };

/** US dollars, rounded to a millionth; null when the model's price is not known. */
export function estimateCostUsd(model: string, usage: ModelUsage): number | null {
  const price = PRICES.find((p) => model.startsWith(p.prefix));
  if (!price) return null;
  const usd = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  return Math.round(usd * 1_000_000) / 1_000_000;
}

/** Sums usages; the cost is null as soon as one part's is unknown. */
export function addUsage(a: ModelUsage & { costUsd?: number | null }, b: ModelUsage & { costUsd?: number | null }): ModelUsage & { costUsd: number | null } {
  const cost = a.costUsd === null || b.costUsd === null || a.costUsd === undefined || b.costUsd === undefined ? null : a.costUsd + b.costUsd;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costUsd: cost === null ? null : Math.round(cost * 1_000_000) / 1_000_000,
  };
}
