import './executions.css';
import type { StepRun, WorkflowDefinition } from '@weft/shared';
import { describeIteration, latestRuns, stepName } from './step-runs';

/** A labelled, collapsible JSON value. */
export function JsonBlock({ label, value, open = false }: { label: string; value: unknown; open?: boolean }) {
  return (
    <details className="json-block" open={open}>
      <summary>{label}</summary>
      <pre className="code-block">{value === undefined ? '—' : JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

const isEmpty = (value: unknown) => value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0);

/**
 * What expressions in this run could read: `inputs`, `trigger`, and `steps.<id>.output` of every
 * step that produced one (per iteration inside loops).
 */
export function VariablesPanel({
  definition,
  inputs,
  trigger,
  runs,
}: {
  definition: WorkflowDefinition | null;
  inputs: unknown;
  trigger: unknown;
  runs: readonly StepRun[];
}) {
  const outputs = latestRuns(runs).filter((run) => run.output !== undefined && run.status === 'succeeded');
  return (
    <div className="variables">
      <JsonBlock label={isEmpty(inputs) ? 'inputs (none)' : 'inputs'} value={inputs} open={!isEmpty(inputs)} />
      <JsonBlock label={isEmpty(trigger) ? 'trigger (none)' : 'trigger'} value={trigger} />
      {outputs.length === 0 ? (
        <p className="muted">No step output yet.</p>
      ) : (
        outputs.map((run) => {
          const iteration = describeIteration(run.iterationPath, definition);
          const name = stepName(definition, run.stepId);
          return (
            <JsonBlock
              key={`${run.stepId}\u0000${run.iterationPath}`}
              label={`steps.${run.stepId}.output${name !== run.stepId ? ` — ${name}` : ''}${iteration !== '' ? ` (${iteration})` : ''}`}
              value={run.output}
            />
          );
        })
      )}
    </div>
  );
}
