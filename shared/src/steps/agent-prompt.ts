import { z } from 'zod';
import { JsonObject, NonEmptyTemplate, TemplateSource, TimeoutSeconds, stepCommonShape } from './common';
import { TOOL_PATTERN_PATTERN } from './tool';
import { excerpt } from './text';
import type { ExpressionSite, StepCatalogueEntry } from './types';

export const AGENT_PROMPT_DEFAULT_TIMEOUT_SECONDS = 300;
export const AGENT_PROMPT_MAX_TIMEOUT_SECONDS = 900;

export const AgentPromptStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('agent_prompt'),
  timeoutSeconds: TimeoutSeconds.max(AGENT_PROMPT_MAX_TIMEOUT_SECONDS, {
    error: `must be at most ${AGENT_PROMPT_MAX_TIMEOUT_SECONDS} seconds for an agent_prompt step`,
  }).optional(),
  prompt: NonEmptyTemplate,
  system: TemplateSource.optional(),
  model: z.string().min(1).max(200).optional(),
  /** When set, the agent must answer with JSON matching this JSON Schema. */
  output: z.strictObject({ schema: JsonObject }).optional(),
  /**
   * Tools the agent may call: names or globs like `github:*`. Without it the agent gets the workflow
   * tools allowed in workflow context (`workflows:*`).
   */
  tools: z
    .array(z.string().regex(TOOL_PATTERN_PATTERN, { error: 'must be a tool name or a pattern like "github:*"' }))
    .max(100)
    .optional(),
});
export type AgentPromptStep = z.infer<typeof AgentPromptStep>;

export const AgentPromptOutput = z.object({
  /** The model's final answer as text. */
  text: z.string(),
  /** The parsed answer, present when the step declared `output.schema`. */
  structured: z.unknown().optional(),
  model: z.string(),
  /** `anthropic`, or `offline` when no model is configured. */
  provider: z.string(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
  /** Model attempts (failover, structured-output fix-ups). */
  attempts: z.number().int(),
});
export type AgentPromptOutput = z.infer<typeof AgentPromptOutput>;

export const agentPromptEntry: StepCatalogueEntry<'agent_prompt'> = {
  type: 'agent_prompt',
  title: 'Agent prompt',
  description:
    'Sends a prompt (a template) to the configured LLM agent and records its answer. With `output.schema` the answer must be JSON matching that JSON Schema and is available as `output.structured`. `tools` limits which tools the agent may call (names or globs like `"github:*"`); by default it gets the workflow tools.',
  configSchema: AgentPromptStep,
  outputSchema: AgentPromptOutput,
  example: {
    id: 'summarise',
    type: 'agent_prompt',
    prompt: 'Summarise these release notes in three bullet points:\n{{ steps.fetch_notes.output.body }}',
  },
  defaultTimeoutSeconds: AGENT_PROMPT_DEFAULT_TIMEOUT_SECONDS,
  maxTimeoutSeconds: AGENT_PROMPT_MAX_TIMEOUT_SECONDS,
  keyParam: (step) => excerpt(step.prompt),
  expressionSites: (step) => {
    const sites: ExpressionSite[] = [{ path: ['prompt'], kind: 'template', source: step.prompt }];
    if (step.system !== undefined) sites.push({ path: ['system'], kind: 'template', source: step.system });
    return sites;
  },
};
