import type { StepRun } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { hasUsage, runUsage } from './run-usage';

const definition = {
  name: 'Agents',
  steps: [
    { id: 'fix', type: 'agent_prompt' as const, prompt: 'Fix it' },
    { id: 'call', type: 'http' as const, request: { method: 'GET' as const, url: 'https://example.test' } },
  ],
};
const run = (stepId: string, attempt: number, output: unknown): StepRun => ({
  stepId,
  iterationPath: '',
  attempt,
  status: 'succeeded',
  startedAt: null,
  finishedAt: null,
  output,
});

describe('run usage', () => {
  it("sums every agent step attempt's usage and nothing else, estimating a missing cost from the model", () => {
    const usage = runUsage(
      [
        run('fix', 1, { model: 'claude-sonnet-4-5', usage: { inputTokens: 1000, outputTokens: 100, costUsd: 0.0045 } }),
        // An older output without a cost: estimated ($3 / $15 per million).
        run('fix', 2, { model: 'claude-sonnet-4-5', usage: { inputTokens: 2000, outputTokens: 200 } }),
        // Another step type's usage-looking output does not count.
        run('call', 1, { status: 200, usage: { inputTokens: 999_999, outputTokens: 999_999 } }),
        run('fix', 3, undefined),
      ],
      definition as never,
    );
    expect(usage).toEqual({ inputTokens: 3000, outputTokens: 300, costUsd: 0.0135 });
  });

  it('has no cost once a model has no known price, and nothing without a definition or agent output', () => {
    expect(runUsage([run('fix', 1, { model: 'my-local-model', usage: { inputTokens: 10, outputTokens: 5 } })], definition as never)?.costUsd).toBeNull();
    expect(runUsage([run('fix', 1, { model: 'x', usage: { inputTokens: 10, outputTokens: 5 } })], null)).toBeNull();
    expect(runUsage([run('call', 1, { status: 200 })], definition as never)).toBeNull();
    expect(hasUsage({ inputTokens: 0, outputTokens: 0, costUsd: 0 })).toBe(false);
    expect(hasUsage({ inputTokens: 1, outputTokens: 0, costUsd: null })).toBe(true);
  });
});
