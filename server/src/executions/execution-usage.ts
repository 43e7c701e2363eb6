import { agentRunUsage, type Execution, type WorkflowDefinition } from '@weft/shared';

type Usage = NonNullable<Execution['usage']>;

/** `agentRunUsage` as `GET /api/executions/:id` answers it: zeros when no agent step reported usage. */
export function executionUsage(definition: WorkflowDefinition | null, steps: Execution['steps']): Usage {
  return agentRunUsage(definition, steps) ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
}
