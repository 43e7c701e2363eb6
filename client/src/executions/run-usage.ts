import { addUsage, type StepRun, type WorkflowDefinition } from '@weft/shared';
import type { ExecutionUsage } from '../api/executions';
import { modelOf, usageOf } from '../chat/step-facts';
import { stepTypeOf } from './step-runs';

/**
 * A run's model usage, live: the sum of its `agent_prompt` step attempts' `output.usage` (every
 * iteration and attempt, as the server sums it for `GET /api/executions/:id`), so it grows as steps
 * finish. Null without the definition (the step types) or when no agent step reported any; the cost
 * is null as soon as one step's is unknown.
 */
export function runUsage(runs: Iterable<StepRun>, definition: WorkflowDefinition | null): ExecutionUsage | null {
  if (definition === null) return null;
  let total: ExecutionUsage | null = null;
  for (const run of runs) {
    if (stepTypeOf(definition, run.stepId) !== 'agent_prompt') continue;
    const usage = usageOf(run.output, modelOf(run.output));
    if (usage === null) continue;
    const part = { inputTokens: usage.input, outputTokens: usage.output, costUsd: usage.costUsd };
    total = total === null ? part : addUsage(total, part);
  }
  return total;
}

/** Worth a place in the header: some tokens were used (a run without agent steps reports zeros). */
export const hasUsage = (usage: ExecutionUsage | null | undefined): usage is ExecutionUsage =>
  usage !== null && usage !== undefined && usage.inputTokens + usage.outputTokens > 0;
