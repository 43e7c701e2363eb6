import { describe, expect, it } from 'vitest';
import { agentRunUsage, stepOutputUsage } from './usage';

const definition = {
  steps: [
    { id: 'think', type: 'agent_prompt', prompt: 'p' },
    { id: 'shell', type: 'bash', command: 'echo' },
  ],
} as never;

describe('run usage', () => {
  it('sums every agent attempt and ignores other steps', () => {
    const runs = [
      { stepId: 'think', output: { usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.5 } } },
      { stepId: 'think', output: { usage: { inputTokens: 1, outputTokens: 2, costUsd: 0.25 } } },
      { stepId: 'shell', output: { usage: { inputTokens: 1000, outputTokens: 1000, costUsd: 9 } } },
      { stepId: 'think' },
    ];
    expect(agentRunUsage(definition, runs)).toEqual({ inputTokens: 11, outputTokens: 7, costUsd: 0.75 });
  });

  it('is null without the definition or any report, and the cost is unknown once one part is', () => {
    expect(agentRunUsage(null, [{ stepId: 'think', output: { usage: { inputTokens: 1, outputTokens: 1 } } }])).toBeNull();
    expect(agentRunUsage(definition, [{ stepId: 'shell', output: {} }])).toBeNull();
    const unknownModel = { usage: { inputTokens: 1, outputTokens: 1 }, model: 'not-a-priced-model' };
    expect(
      agentRunUsage(definition, [
        { stepId: 'think', output: { usage: { inputTokens: 1, outputTokens: 1, costUsd: 1 } } },
        { stepId: 'think', output: unknownModel },
      ])?.costUsd,
    ).toBeNull();
  });

  it('estimates an old output cost from its model, and refuses a non-finite cost', () => {
    const estimated = stepOutputUsage({ usage: { inputTokens: 1_000_000, outputTokens: 0 }, model: 'claude-sonnet-4-5' });
    expect(estimated?.costUsd).toBeGreaterThan(0);
    expect(stepOutputUsage({ usage: { inputTokens: 1, outputTokens: 1, costUsd: Number.POSITIVE_INFINITY } })?.costUsd).toBeNull();
    expect(stepOutputUsage('text')).toBeNull();
    expect(stepOutputUsage({ usage: { inputTokens: '1', outputTokens: 1 } })).toBeNull();
  });
});
