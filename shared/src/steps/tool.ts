import { z } from 'zod';
import { JsonObject, TemplatedJson, stepCommonShape, templatedJsonSites } from './common';
import type { StepCatalogueEntry } from './types';

/**
 * Integration names prefix their tools (`github:list_issues`), so they use a small alphabet that
 * also fits journal topics and model tool names (`__` is how agents spell `:`, hence not allowed).
 */
export const INTEGRATION_NAME_PATTERN = /^[a-z][a-z0-9-]*(?:_[a-z0-9-]+)*$/;
/** `<integration>:<tool>`; MCP tool names may use letters, digits, `_`, `-` and `.`. */
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,39}:[A-Za-z0-9_.-]{1,128}$/;
/** Agent allowlists: a tool name, or a prefix followed by `*` (`github:*`, `*`). */
export const TOOL_PATTERN_PATTERN = /^(?:\*|[a-z][a-z0-9_-]{0,39}(?::[A-Za-z0-9_.-]{0,128})?\*?)$/;

export const ToolName = z.string().regex(TOOL_NAME_PATTERN, {
  error: 'must be "<integration>:<tool>" (for example "github:list_issues" or "workflows:list_workflows")',
});

/** Whether tool `name` is in an allowlist pattern (`TOOL_PATTERN_PATTERN`): the name, a prefix and `*`, or `*`. */
export function matchesToolPattern(name: string, pattern: string): boolean {
  if (pattern === name || pattern === '*') return true;
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return false;
}

/** The integration part of a tool name (`github` for `github:list_issues`). */
export function toolIntegration(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

/** An object whose string leaves are templates; a string that is exactly `{{ expr }}` keeps the raw value. */
export const ToolArguments = JsonObject.superRefine((value, ctx) => {
  const checked = TemplatedJson.safeParse(value);
  if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
});

export const ToolStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('tool'),
  tool: ToolName,
  arguments: ToolArguments.optional(),
});
export type ToolStep = z.infer<typeof ToolStep>;

/** Whatever the tool returned; its shape is the tool's own. */
export const ToolOutput = z.unknown();
export type ToolOutput = z.infer<typeof ToolOutput>;

export const toolEntry: StepCatalogueEntry<'tool'> = {
  type: 'tool',
  title: 'Tool call',
  description:
    "Calls one tool: an integration operation (`github:list_issues`, `slack:send_message`, an MCP tool as `<integration>:<tool>`) or a workflow tool (`workflows:list_workflows`). `arguments` is an object whose strings are templates; they are checked against the tool's JSON Schema when the run calls it (and on save when the integration is connected). The output is the tool's result. List the integrations a workflow uses in `requires`.",
  configSchema: ToolStep,
  outputSchema: ToolOutput,
  example: {
    id: 'open_issues',
    type: 'tool',
    tool: 'github:list_issues',
    arguments: { state: 'open', limit: 20 },
  },
  defaultTimeoutSeconds: 60,
  keyParam: (step) => step.tool,
  expressionSites: (step) => (step.arguments === undefined ? [] : templatedJsonSites(step.arguments, ['arguments'])),
};
