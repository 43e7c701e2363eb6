import { z } from 'zod';
import { JsonObject, NonEmptyTemplate, TemplateSource, TimeoutSeconds, stepCommonShape } from './common';
import { TOOL_PATTERN_PATTERN } from './tool';
import { WorkspaceChanges, WorkspaceSpec } from './workspace';
import { ApproverRule } from './approver-rule';
import { ToolPolicy } from '../agent/tool-policy';
import { AgentLimits } from '../agent/limits';
import { excerpt } from './text';
import type { ExpressionSite, JsonSchemaSite, StepCatalogueEntry } from './types';
import { workspaceSites } from './workspace-sites';

export const AGENT_PROMPT_DEFAULT_TIMEOUT_SECONDS = 300;
/** An agent working in a workspace may need a while; time waiting for a person does not count. */
export const AGENT_PROMPT_MAX_TIMEOUT_SECONDS = 3600;

/** Who the agent is: shown in the step's container, and its system prompt goes before the step's `system`. */
export const AgentPersona = z.strictObject({
  name: z.string().min(1).max(100),
  system: TemplateSource.refine((s) => s.length <= 20_000, { error: 'must be at most 20000 characters' }).optional(),
});
export type AgentPersona = z.infer<typeof AgentPersona>;

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
  /** The directory the `workspace:*` tools work in (docs/workspaces.md). */
  workspace: WorkspaceSpec.optional(),
  /** Per tool: `allow`, `ask` (a person decides each call in the chat) or `deny`; over the operator's defaults. */
  toolPolicy: ToolPolicy.optional(),
  /** Who may decide this step's tool asks; anyone who may approve when left out. */
  approvers: ApproverRule.optional(),
  persona: AgentPersona.optional(),
  limits: AgentLimits.optional(),
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
  usage: z.object({
    inputTokens: z.number(),
    outputTokens: z.number(),
    /** Estimated from list prices (`estimateCostUsd`); null for a model without a known price. */
    costUsd: z.number().nullable().optional(),
  }),
  /** Model attempts (failover, structured-output fix-ups). */
  attempts: z.number().int(),
  /** Model turns taken (each tool round is one). */
  turns: z.number().int().optional(),
  /** Tool calls made, by outcome. */
  toolCalls: z.object({ total: z.number().int(), failed: z.number().int(), denied: z.number().int() }).optional(),
  /** Present with a `workspace`: the paths changed since the execution's workspace was provisioned. */
  changedFiles: z.array(z.string()).optional(),
  workspace: WorkspaceChanges.optional(),
});
export type AgentPromptOutput = z.infer<typeof AgentPromptOutput>;

export const agentPromptEntry: StepCatalogueEntry<'agent_prompt'> = {
  type: 'agent_prompt',
  title: 'Agent prompt',
  description:
    'Sends a prompt (a template) to the configured LLM agent and records its answer. With `output.schema` the answer must be JSON matching that JSON Schema and is available as `output.structured`. `tools` limits which tools the agent may call (names or globs like `"github:*"`); by default it gets the workflow tools. With `workspace` (a git clone, an allow-listed directory or a shared one) the `workspace:*` tools read, edit, search and run bash in it, and the output carries `changedFiles` and the diff. `toolPolicy` sets `allow`, `ask` or `deny` per tool (bash and destructive tools ask by default: a person decides in the chat); `agent:ask_user` lets the agent ask the person a question. `limits` caps turns and tokens; `persona` names the agent.',
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
    if (step.persona?.system !== undefined) sites.push({ path: ['persona', 'system'], kind: 'template', source: step.persona.system });
    return [...sites, ...workspaceSites(step.workspace)];
  },
  jsonSchemaSites: (step): JsonSchemaSite[] => (step.output ? [{ path: ['output', 'schema'], schema: step.output.schema }] : []),
};
