import { STEP_CATALOGUE, effectiveRetry, effectiveTimeoutSeconds, findStep, formatDuration, withoutChildSteps, type WorkflowDefinition } from '@weft/shared';
import type { ReactNode } from 'react';
import { safeKeyParam, stepTitle } from '../diagram/node-data';

/** The selected step's settings: what the diagram node summarises, in full. */
export function StepInspector({ definition, stepId, children }: { definition: WorkflowDefinition; stepId: string; children?: ReactNode }) {
  const visit = findStep(definition, stepId);
  if (visit === null) return <p className="muted">This step is not in the version shown.</p>;
  const { step, path } = visit;
  const timeout = effectiveTimeoutSeconds(step);
  const retry = effectiveRetry(step);
  const config = withoutChildSteps(step);
  return (
    <div className="inspector">
      <div>
        <h3>{stepTitle(step)}</h3>
        <p className="muted">{STEP_CATALOGUE[step.type].title}</p>
      </div>
      <dl>
        <dt>Id</dt>
        <dd className="mono">{step.id}</dd>
        <dt>Path</dt>
        <dd className="mono">{path}</dd>
        <dt>Summary</dt>
        <dd className="mono">{safeKeyParam(step) || '—'}</dd>
        {step.if !== undefined && (
          <>
            <dt>Runs if</dt>
            <dd className="mono">{step.if}</dd>
          </>
        )}
        <dt>Timeout</dt>
        <dd>{timeout === null ? 'None' : formatDuration(timeout)}</dd>
        <dt>Attempts</dt>
        <dd>{retry.maxAttempts === 1 ? '1 (no retry)' : `${retry.maxAttempts}, ${formatDuration(retry.backoffSeconds)} apart`}</dd>
      </dl>
      {children}
      <details>
        <summary>Configuration</summary>
        <pre className="code-block">{JSON.stringify(config, null, 2)}</pre>
      </details>
    </div>
  );
}
