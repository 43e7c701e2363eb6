import { z } from 'zod';
import { TOOL_PATTERN_PATTERN, matchesToolPattern } from '../steps/tool';

/** What happens when an agent calls a tool: run it, ask a person first, or refuse it. */
export const ToolPolicyDecision = z.enum(['allow', 'ask', 'deny']);
export type ToolPolicyDecision = z.infer<typeof ToolPolicyDecision>;

/** `{ "<tool or pattern>": "allow" | "ask" | "deny" }`: the step's, or the operator's (`WEFT_TOOL_POLICY`). */
export const ToolPolicy = z
  .record(z.string().regex(TOOL_PATTERN_PATTERN, { error: 'must be a tool name or a pattern like "workspace:*"' }), ToolPolicyDecision)
  .refine((m) => Object.keys(m).length <= 100, { error: 'at most 100 entries' });
export type ToolPolicy = z.infer<typeof ToolPolicy>;

/**
 * Built-in defaults, below the operator's policy and the step's: `workspace:bash` and destructive
 * tools ask, the rest is allowed. The workspace's reads and edits are not destructive (edits stay
 * inside the step's own workspace and show in its diff), so they are allowed.
 */
export function defaultToolPolicy(name: string, destructive: boolean): ToolPolicyDecision {
  return destructive || name === 'workspace:bash' ? 'ask' : 'allow';
}

/** Exact names beat patterns, longer prefixes beat shorter ones, `*` comes last. */
function specificity(pattern: string): number {
  if (!pattern.endsWith('*')) return Number.MAX_SAFE_INTEGER;
  return pattern.length - 1;
}

/** The entry of `policy` that decides `name`, or undefined when none matches. */
export function matchToolPolicy(name: string, policy: ToolPolicy | undefined): { pattern: string; decision: ToolPolicyDecision } | undefined {
  let best: { pattern: string; decision: ToolPolicyDecision } | undefined;
  for (const [pattern, decision] of Object.entries(policy ?? {})) {
    if (!matchesToolPattern(name, pattern)) continue;
    if (!best || specificity(pattern) > specificity(best.pattern)) best = { pattern, decision };
  }
  return best;
}

export type ToolPolicySource = 'step' | 'operator' | 'default';

const STRICTNESS: Record<ToolPolicyDecision, number> = { allow: 0, ask: 1, deny: 2 };

/**
 * The policy for one call. The built-in defaults are what a step changes: its most specific matching
 * entry decides, else the operator's, else the default. The operator's entries (`WEFT_TOOL_POLICY`)
 * are also a ceiling: a step may make a tool stricter than the operator says, never looser, so an
 * operator's `ask` or `deny` holds whatever a workflow's author writes. The runner and the server
 * both decide with this, so they cannot disagree.
 */
export function resolveToolPolicy({
  name,
  destructive,
  step,
  operator,
}: {
  name: string;
  destructive: boolean;
  step?: ToolPolicy | undefined;
  operator?: ToolPolicy | undefined;
}): { decision: ToolPolicyDecision; source: ToolPolicySource; pattern?: string } {
  const own = matchToolPolicy(name, step);
  const op = matchToolPolicy(name, operator);
  if (own && !(op && STRICTNESS[op.decision] > STRICTNESS[own.decision])) return { decision: own.decision, source: 'step', pattern: own.pattern };
  if (op) return { decision: op.decision, source: 'operator', pattern: op.pattern };
  return { decision: defaultToolPolicy(name, destructive), source: 'default' };
}
