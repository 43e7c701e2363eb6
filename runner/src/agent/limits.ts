import { addUsage, effectiveAgentLimits, estimateCostUsd, type AgentLimitCode, type AgentLimits, type ModelUsage } from '@weft/shared';
import { NonRetriableStepError } from '../engine/errors';

export type AgentUsage = ModelUsage & { costUsd: number | null };

/** A step that went past one of its `limits`: fails for good, the message and code naming the limit. */
export class AgentLimitError extends NonRetriableStepError {
  constructor(message: string, code: AgentLimitCode) {
    super(message, { code });
  }
}

/**
 * Turns and tokens of one agent step instance (carried across attempts by its checkpoint) against
 * `limits.maxTurns` / `limits.maxTokens`, and the estimated cost: each turn priced by the model that
 * answered it (failover may change the model mid-step).
 */
export function createAgentBudget({ limits, start }: { limits: AgentLimits | undefined; start?: { usage: AgentUsage; turns: number } | undefined }) {
  const { maxTurns, maxTokens } = effectiveAgentLimits(limits);
  let usage: AgentUsage = start?.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  let turns = start?.turns ?? 0;
  return {
    maxTurns,
    maxTokens,
    /** Turns this attempt may still take. */
    turnsLeft: () => Math.max(0, maxTurns - turns),
    get turns() {
      return turns;
    },
    get usage(): AgentUsage {
      return usage;
    },
    /** Counts one model turn; throws once the step's tokens are over `maxTokens`. */
    addTurn(model: string, turn: ModelUsage): void {
      turns++;
      usage = addUsage(usage, { ...turn, costUsd: estimateCostUsd(model, turn) });
      const used = usage.inputTokens + usage.outputTokens;
      if (used > maxTokens) throw new AgentLimitError(`the agent used ${used} tokens, over its limit of ${maxTokens} (limits.maxTokens)`, 'agent_limit_tokens');
    },
    /** The error for a model that still called tools after the last allowed turn. */
    turnsExhausted(): AgentLimitError {
      return new AgentLimitError(`the agent used all ${maxTurns} of its turns and still wanted to call tools (limits.maxTurns)`, 'agent_limit_turns');
    },
  };
}

export type AgentBudget = ReturnType<typeof createAgentBudget>;
