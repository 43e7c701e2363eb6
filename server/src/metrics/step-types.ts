import { flattenSteps, isFinishedExecution, type ExecutionSummary, type Step } from '@weft/shared';
import { rememberBounded } from '../bounded-map';
import type { ExecutionsRepository } from '../executions/executions-repository';

/** Workflow versions whose step types are kept; a version never changes, so they are never stale. */
const VERSIONS_KEPT = 256;
/** A safety bound on the unfinished executions remembered (each is forgotten when it finishes). */
const EXECUTIONS_KEPT = 10_000;

/**
 * The type of a step of an execution, for `weft_step_duration_seconds{type}`: `step.updated` names
 * the step, not its type. Unfinished executions' workflow versions are remembered from their
 * `execution.updated` events, so a step costs two map reads; an execution not seen since this
 * process started is read from the database once.
 */
export function createStepTypes({ repo }: { repo: Pick<ExecutionsRepository, 'get' | 'definitionOf'> }) {
  const versionOf = new Map<string, { workflowId: string; version: number }>();
  const typesOf = new Map<string, Map<string, string>>();

  function typesOfVersion(workflowId: string, version: number): Map<string, string> {
    const key = `${version}@${workflowId}`;
    let types = typesOf.get(key);
    if (types === undefined) {
      const definition = repo.definitionOf(workflowId, version) as { steps?: Step[] } | null;
      types = new Map(flattenSteps(definition?.steps ?? []).map((s) => [s.id, s.type]));
      rememberBounded(typesOf, key, types, VERSIONS_KEPT);
    }
    return types;
  }

  return {
    /** From each `execution.updated`: remembered while unfinished. */
    track(execution: ExecutionSummary): void {
      if (isFinishedExecution(execution.status)) versionOf.delete(execution.id);
      else if (!versionOf.has(execution.id))
        rememberBounded(versionOf, execution.id, { workflowId: execution.workflowId, version: execution.workflowVersion }, EXECUTIONS_KEPT);
    },
    /** The step's type, or `unknown` when its execution or step cannot be found. */
    typeOf(executionId: string, stepId: string): string {
      let v = versionOf.get(executionId);
      if (v === undefined) {
        const row = repo.get(executionId);
        if (row === null) return 'unknown';
        v = { workflowId: row.workflow_id, version: row.workflow_version };
      }
      return typesOfVersion(v.workflowId, v.version).get(stepId) ?? 'unknown';
    },
  };
}

export type StepTypes = ReturnType<typeof createStepTypes>;
