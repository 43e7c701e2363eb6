import { addUsage, estimateCostUsd } from '../agent/pricing';
import type { WorkflowDefinition } from '../workflow/schema';
import { flattenSteps } from '../workflow/walk';

export type RunUsage = { inputTokens: number; outputTokens: number; costUsd: number | null };

/**
 * The model usage one step output reports (`output.usage`). An output from before costs were
 * reported carries its model: its cost is estimated the same way. Null when it reports none.
 */
export function stepOutputUsage(output: unknown): RunUsage | null {
  if (output === null || typeof output !== 'object') return null;
  const usage = (output as { usage?: unknown }).usage as Record<string, unknown> | null | undefined;
  if (!usage || typeof usage !== 'object' || typeof usage.inputTokens !== 'number' || typeof usage.outputTokens !== 'number') return null;
  const tokens = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  const model = (output as { model?: unknown }).model;
  const given = typeof usage.costUsd === 'number' && Number.isFinite(usage.costUsd) ? usage.costUsd : null;
  return { ...tokens, costUsd: given ?? (typeof model === 'string' && model !== '' ? estimateCostUsd(model, tokens) : null) };
}

/**
 * A run's model usage: its `agent_prompt` steps' reported usage summed over every step run with an
 * output (each iteration and attempt). The server answers it in `GET /api/executions/:id`; the run
 * page sums the same way live. Null when no agent step reported any (or without the definition);
 * the cost is null as soon as one part's is unknown.
 */
export function agentRunUsage(definition: Pick<WorkflowDefinition, 'steps'> | null, runs: Iterable<{ stepId: string; output?: unknown }>): RunUsage | null {
  if (definition === null) return null;
  const agentSteps = new Set(
    flattenSteps(definition.steps)
      .filter((step) => step.type === 'agent_prompt')
      .map((step) => step.id),
  );
  let total: RunUsage | null = null;
  for (const run of runs) {
    if (!agentSteps.has(run.stepId)) continue;
    const usage = stepOutputUsage(run.output);
    if (usage !== null) total = total === null ? usage : addUsage(total, usage);
  }
  return total;
}
