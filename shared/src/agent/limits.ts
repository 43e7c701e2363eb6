import { z } from 'zod';

/** Defaults for `agent_prompt`'s `limits` (docs/workspaces.md, "Limits"). */
export const AGENT_DEFAULT_MAX_TURNS = 20;
export const AGENT_MAX_MAX_TURNS = 200;
/** Input plus output tokens over every turn of one step attempt. */
export const AGENT_DEFAULT_MAX_TOKENS = 400_000;
export const AGENT_MAX_MAX_TOKENS = 10_000_000;

/**
 * A step's own caps. Wall time is the step's `timeoutSeconds`; time spent waiting for a person (a
 * tool approval, `agent:ask_user`) does not count against it.
 */
export const AgentLimits = z.strictObject({
  maxTurns: z.number().int().min(1).max(AGENT_MAX_MAX_TURNS).optional(),
  maxTokens: z.number().int().min(1000).max(AGENT_MAX_MAX_TOKENS).optional(),
});
export type AgentLimits = z.infer<typeof AgentLimits>;

export function effectiveAgentLimits(limits: AgentLimits | undefined): { maxTurns: number; maxTokens: number } {
  return { maxTurns: limits?.maxTurns ?? AGENT_DEFAULT_MAX_TURNS, maxTokens: limits?.maxTokens ?? AGENT_DEFAULT_MAX_TOKENS };
}

/** Which limit ended a step (its error's `code`: `agent_limit_turns`, `agent_limit_tokens`; a timeout is `step_timeout`). */
export type AgentLimitCode = 'agent_limit_turns' | 'agent_limit_tokens';
