import { findStep, type Step, type WorkflowDefinition } from '@weft/shared';
import type { ExecutionRow } from '../executions/executions-repository';
import type { ExecutionsService } from '../executions/executions-service';

/**
 * A step of the workflow version the execution runs, from the stored definition: what the server
 * decides with (policy, approvers, workspace credentials), never what a runner says about it.
 */
export function stepOfExecution({ executions, row, stepId }: { executions: ExecutionsService; row: ExecutionRow; stepId: string | undefined }): Step | null {
  if (stepId === undefined) return null;
  const definition = executions.repo.definitionOf(row.workflow_id, row.workflow_version) as WorkflowDefinition | null;
  if (!definition) return null;
  return findStep(definition, stepId)?.step ?? null;
}
