import { addUsage, estimateCostUsd, flattenSteps, type Execution, type WorkflowDefinition } from '@weft/shared';

type Usage = NonNullable<Execution['usage']>;

const usageOf = (output: unknown): { inputTokens: number; outputTokens: number; costUsd?: number | null } | null => {
  const usage = (output as { usage?: unknown } | null | undefined)?.usage as Record<string, unknown> | undefined;
  if (!usage || typeof usage.inputTokens !== 'number' || typeof usage.outputTokens !== 'number') return null;
  const tokens = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  // Outputs from before costs were reported carry the model: estimated the same way.
  const model = (output as { model?: unknown }).model;
  const cost = typeof usage.costUsd === 'number' ? usage.costUsd : typeof model === 'string' ? estimateCostUsd(model, tokens) : null;
  return { ...tokens, costUsd: cost };
};

/**
 * Model usage of a run: its agent steps' reported usage, summed over every step run that has an
 * output (each iteration and attempt that finished). The cost is null as soon as one part's is unknown.
 */
export function executionUsage(definition: WorkflowDefinition | null, steps: Execution['steps']): Usage {
  const agentSteps = new Set(
    definition
      ? flattenSteps(definition.steps)
          .filter((st) => st.type === 'agent_prompt')
          .map((st) => st.id)
      : [],
  );
  let total: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const step of steps) {
    if (!agentSteps.has(step.stepId)) continue;
    const usage = usageOf(step.output);
    if (usage) total = addUsage(total, usage);
  }
  return total;
}
