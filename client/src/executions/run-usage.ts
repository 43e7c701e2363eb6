import { addUsage, type StepRun } from '@weft/shared';
import type { ExecutionUsage } from '../api/executions';
import { modelOf, usageOf } from '../chat/step-facts';

/**
 * A run's model usage, live: the sum of its agent step attempts' `output.usage` (what the server
 * sums for `GET /api/executions/:id`), so it grows as steps finish. Null when no step reported any;
 * the cost is null as soon as one step's is unknown.
 */
export function runUsage(runs: Iterable<StepRun>): ExecutionUsage | null {
  let total: ExecutionUsage | null = null;
  for (const run of runs) {
    const usage = usageOf(run.output, modelOf(run.output));
    if (usage === null) continue;
    const part = { inputTokens: usage.input, outputTokens: usage.output, costUsd: usage.costUsd };
    total = total === null ? part : addUsage(total, part);
  }
  return total;
}
