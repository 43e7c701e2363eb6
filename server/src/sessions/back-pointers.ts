import { findStep, hasIterationScope, walkSteps, type BackPointers, type WorkflowDefinition } from '@weft/shared';
import type { Db } from '../db/open';
import { AppError } from '../http/errors';

/**
 * A message may point at an execution step only when that execution lives in the message's
 * session and the step (and every loop of its iteration path) exists in the pinned workflow version.
 */
export function createBackPointerValidator(db: Db) {
  const execution = db.prepare<[string], { session_id: string | null; definition: string }>(
    `SELECT e.session_id, v.definition FROM executions e
     JOIN workflow_versions v ON v.workflow_id = e.workflow_id AND v.version = e.workflow_version
     WHERE e.id = ?`,
  );
  return (sessionId: string, bp: BackPointers): void => {
    const row = execution.get(bp.executionId);
    if (!row) throw new AppError(422, 'invalid_back_pointer', `executionId: execution ${bp.executionId} does not exist`, { field: 'executionId' });
    if (row.session_id !== sessionId) {
      throw new AppError(422, 'invalid_back_pointer', `executionId: execution ${bp.executionId} belongs to another session`, { field: 'executionId' });
    }
    if (bp.stepId === undefined) {
      if (bp.iterationPath !== undefined || bp.attempt !== undefined) {
        throw new AppError(422, 'invalid_back_pointer', 'stepId: required with iterationPath or attempt', { field: 'stepId' });
      }
      return;
    }
    const definition = JSON.parse(row.definition) as WorkflowDefinition;
    if (!findStep(definition, bp.stepId)) {
      throw new AppError(422, 'invalid_back_pointer', `stepId: step ${bp.stepId} is not in this execution's workflow version`, { field: 'stepId' });
    }
    if (bp.iterationPath !== undefined) {
      const loopIds = new Set<string>();
      walkSteps(definition.steps, (visit) => {
        if (hasIterationScope(visit.step)) loopIds.add(visit.step.id);
      });
      for (const segment of bp.iterationPath.split('/')) {
        const loopId = segment.slice(0, segment.indexOf('['));
        if (!loopIds.has(loopId)) {
          throw new AppError(422, 'invalid_back_pointer', `iterationPath: ${loopId} is not a loop in this workflow`, { field: 'iterationPath' });
        }
      }
    }
  };
}
