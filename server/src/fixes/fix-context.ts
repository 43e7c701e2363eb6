import { FIX_FEEDERS_MAX, findStep, fixFeederIds, fixRerunFromStep, toFixValue, type Execution, type FixContext, type WorkflowDefinition } from '@weft/shared';
import type { ExecutionsService } from '../executions/executions-service';
import type { RunExplainer } from '../tools/explain-tool';

/**
 * The deterministic part of a fix, the same with and without a model: the run's explanation (the
 * failed step, its error and log tail, as `/why` gives it) plus the failed step's resolved input,
 * the steps that fed it with their outputs, the run's inputs, and where a re-run starts. Values
 * are cut (FixValue), as are the log tail and the error (by the explainer) and the number of
 * feeders (FIX_FEEDERS_MAX). Read against the run's own version.
 */
export function buildFixContext({
  executions,
  explainer,
  execution: run,
}: {
  executions: ExecutionsService;
  explainer: RunExplainer;
  execution: Execution;
}): FixContext {
  const { execution, step, explanation } = explainer.explain(run);
  const definition = executions.repo.definitionOf(execution.workflowId, execution.workflowVersion) as WorkflowDefinition;
  const failed = explanation.failedStep;
  const visit = failed ? findStep(definition, failed.stepId) : null;
  const feeders = failed
    ? fixFeederIds(definition, failed.stepId)
        .slice(0, FIX_FEEDERS_MAX)
        .map((id) => {
          // The run's steps come in the order they were first written (executions-repository.ts): the last one is the latest attempt.
          const ran = execution.steps.findLast((st) => st.stepId === id) ?? null;
          return { stepId: id, status: ran?.status ?? null, output: ran && ran.output !== undefined ? toFixValue(ran.output) : null };
        })
    : [];
  const context: FixContext = {
    executionId: execution.id,
    workflowId: execution.workflowId,
    workflowName: explanation.workflowName,
    workflowVersion: execution.workflowVersion,
    status: execution.status,
    inputs: toFixValue(execution.inputs),
    failedStep:
      failed && step
        ? {
            stepId: failed.stepId,
            type: visit ? String(visit.step.type) : null,
            iterationPath: failed.iterationPath,
            attempt: failed.attempt,
            error: failed.error,
            input: step.input === undefined ? null : toFixValue(step.input),
          }
        : null,
    logTail: explanation.logTail,
    feeders,
    // Where a re-run of the unchanged run starts: the top-level step holding the failed one.
    rerunFromStepId: failed ? fixRerunFromStep(definition, definition, failed.stepId) : null,
  };
  return context;
}
