import type { AgentCheckpoint } from '../../src/agent/checkpoint';

/** An agent step's checkpoint after one turn with one user message and no tool calls; `overrides` replace whole fields. */
export function agentCheckpoint(overrides: Partial<AgentCheckpoint> = {}): AgentCheckpoint {
  return {
    v: 1,
    messages: [{ role: 'user', content: 'hi' }],
    openRound: null,
    usage: { inputTokens: 1, outputTokens: 1, costUsd: null },
    turns: 1,
    toolCalls: { total: 0, failed: 0, denied: 0 },
    approvedForStep: [],
    stepApprovalIds: {},
    attempts: 1,
    pausedMs: 0,
    ...overrides,
  };
}
