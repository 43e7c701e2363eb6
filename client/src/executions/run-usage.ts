import { agentRunUsage, type StepRun, type WorkflowDefinition } from '@weft/shared';
import type { ExecutionUsage } from '../api/executions';

/**
 * A run's model usage, live: `agentRunUsage` over the step attempts seen so far (the sum the server
 * answers for `GET /api/executions/:id`), so it grows as steps finish. Null without the definition
 * or when no agent step reported any.
 */
export const runUsage = (runs: Iterable<StepRun>, definition: WorkflowDefinition | null): ExecutionUsage | null => agentRunUsage(definition, runs);

/** Worth a place in the header: some tokens were used (a run without agent steps reports zeros). */
export const hasUsage = (usage: ExecutionUsage | null | undefined): usage is ExecutionUsage =>
  usage !== null && usage !== undefined && usage.inputTokens + usage.outputTokens > 0;
