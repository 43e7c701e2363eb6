import { type DefinitionDiffSummary, type FieldChange, fieldDiff, findStep, withoutChildSteps, type WorkflowDefinition } from '@weft/shared';
import { stepTitle } from '../../diagram/node-data';
import { DIFF_LABELS, type DiffKind } from '../../diagram/step-marks';

/** JSON for people: strings quoted, objects indented. Rendered as text, never as HTML. */
function show(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

function kindsOf(summary: DefinitionDiffSummary, stepId: string): DiffKind[] {
  const kinds: DiffKind[] = [];
  if (summary.added.includes(stepId)) kinds.push('added');
  if (summary.removed.includes(stepId)) kinds.push('removed');
  if (summary.changed.some((c) => c.id === stepId)) kinds.push('changed');
  if (summary.moved.includes(stepId)) kinds.push('moved');
  return kinds;
}

/**
 * The field-level diff of one step's own JSON (its nested steps are their own nodes): for a
 * changed step the fields that differ, for an added or removed one all of its fields, and where a
 * moved step was and is.
 */
export function StepChangeDetail({
  before,
  after,
  summary,
  stepId,
  beforeLabel,
  afterLabel,
}: {
  before: WorkflowDefinition;
  after: WorkflowDefinition;
  summary: DefinitionDiffSummary;
  stepId: string;
  beforeLabel: string;
  afterLabel: string;
}) {
  const was = findStep(before, stepId);
  const now = findStep(after, stepId);
  if (was === null && now === null) return null;
  const kinds = kindsOf(summary, stepId);
  const changes: FieldChange[] = fieldDiff(was === null ? {} : withoutChildSteps(was.step), now === null ? {} : withoutChildSteps(now.step));
  const title = stepTitle((now ?? was)!.step);

  return (
    <div className="step-change" data-testid="step-change">
      <h3 className="step-change__title">
        {title} <span className="mono muted">{stepId}</span>
      </h3>
      {kinds.length === 0 ? (
        <p className="muted">
          This step is the same in {beforeLabel} and {afterLabel}.
        </p>
      ) : (
        <p className="step-change__kinds">
          {kinds.map((kind) => (
            <span key={kind} className={`wf-diff__badge wf-diff__badge--${kind}`}>
              <span aria-hidden="true">{DIFF_LABELS[kind].symbol}</span> {DIFF_LABELS[kind].text}
            </span>
          ))}
        </p>
      )}
      {kinds.includes('moved') && was !== null && now !== null && (
        <p>
          Moved from <code>{was.path}</code> to <code>{now.path}</code>.
        </p>
      )}
      {changes.length > 0 && (
        <table className="field-diff" aria-label={`Fields of ${title}`}>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">{beforeLabel}</th>
              <th scope="col">{afterLabel}</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change) => (
              <tr key={change.path} className={`field-diff__row field-diff__row--${change.kind}`} data-field={change.path}>
                <th scope="row">
                  <code>{change.path}</code>
                </th>
                <td className="field-diff__before">{change.kind === 'added' ? <span className="muted">(none)</span> : <pre>{show(change.before)}</pre>}</td>
                <td className="field-diff__after">{change.kind === 'removed' ? <span className="muted">(none)</span> : <pre>{show(change.after)}</pre>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
