import { describe, expect, it } from 'vitest';
import { addUsage, estimateCostUsd } from './pricing';

describe('estimateCostUsd', () => {
  it('prices known models by prefix and knows nothing of others', () => {
    expect(estimateCostUsd('claude-sonnet-4-5-20250929', { inputTokens: 1_000_000, outputTokens: 100_000 })).toBe(4.5);
    expect(estimateCostUsd('claude-haiku-4-5', { inputTokens: 2000, outputTokens: 1000 })).toBe(0.007);
    expect(estimateCostUsd('offline', { inputTokens: 50, outputTokens: 50 })).toBe(0);
    expect(estimateCostUsd('gpt-9', { inputTokens: 1, outputTokens: 1 })).toBeNull();
  });

  it('adds usages, and an unknown part makes the sum unknown', () => {
    expect(addUsage({ inputTokens: 1, outputTokens: 2, costUsd: 0.1 }, { inputTokens: 3, outputTokens: 4, costUsd: 0.2 })).toEqual({
      inputTokens: 4,
      outputTokens: 6,
      costUsd: 0.3,
    });
    expect(addUsage({ inputTokens: 1, outputTokens: 2, costUsd: 0.1 }, { inputTokens: 3, outputTokens: 4, costUsd: null }).costUsd).toBeNull();
  });
});
