import { validateWorkflowDefinition, type WorkflowDefinition } from '@weft/shared';
import { useDeferredValue, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { WorkflowDiagram } from '../../diagram/WorkflowDiagram';
import { parseDefinition } from '../../lib/definition';

type Check =
  | { kind: 'json-error'; message: string }
  | { kind: 'invalid'; errors: { path: string; message: string }[]; drawable: WorkflowDefinition | null }
  | { kind: 'valid'; definition: WorkflowDefinition };

/** Parses and validates with the same validator the server uses. */
export function checkDefinitionText(text: string): Check {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'json-error', message: error instanceof Error ? error.message : 'not valid JSON' };
  }
  const result = validateWorkflowDefinition(json);
  if (result.ok) return { kind: 'valid', definition: result.definition };
  const structural = parseDefinition(json);
  return { kind: 'invalid', errors: result.errors, drawable: structural.ok ? structural.definition : null };
}

/**
 * A JSON editor for a workflow definition with live validation and a live
 * diagram. The diagram keeps the last drawable version while the text is
 * mid-edit, so it does not flicker.
 */
export function DefinitionEditor({
  initialText,
  submitLabel,
  submitting,
  serverError,
  onSubmit,
  secondaryAction,
}: {
  initialText: string;
  submitLabel: string;
  submitting: boolean;
  serverError?: ReactNode;
  onSubmit: (definition: WorkflowDefinition) => void;
  secondaryAction?: ReactNode;
}) {
  const [text, setText] = useState(initialText);
  const deferred = useDeferredValue(text);
  const check = useMemo(() => checkDefinitionText(deferred), [deferred]);
  const lastDrawable = useRef<WorkflowDefinition | null>(null);
  const drawable = check.kind === 'valid' ? check.definition : check.kind === 'invalid' ? check.drawable : null;
  if (drawable !== null) lastDrawable.current = drawable;
  const shown = drawable ?? lastDrawable.current;
  const [selectedStepId, setSelectedStepId] = useState<string | null>(null);
  const editorId = useId();
  const statusId = useId();
  const current = text === deferred;

  return (
    <div className="editor-layout">
      <section className="card" aria-label="Definition">
        <div className="card__header">
          <label htmlFor={editorId}>
            <h2>Definition (JSON)</h2>
          </label>
          <span id={statusId} className={check.kind === 'valid' ? 'chip chip--ok' : 'chip chip--danger'} aria-live="polite">
            {check.kind === 'valid' ? 'Valid' : check.kind === 'json-error' ? 'Not JSON' : `${check.errors.length} ${check.errors.length === 1 ? 'problem' : 'problems'}`}
          </span>
        </div>
        <div className="card__body" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          <textarea
            id={editorId}
            className="textarea"
            spellCheck={false}
            value={text}
            onChange={(event) => setText(event.target.value)}
            aria-describedby={statusId}
            aria-invalid={check.kind !== 'valid'}
          />
          {check.kind === 'json-error' && (
            <div className="alert alert--error">
              <div className="alert__body">{check.message}</div>
            </div>
          )}
          {check.kind === 'invalid' && (
            <div className="alert alert--error">
              <div className="alert__body">
                <ul className="issues">
                  {check.errors.map((issue, i) => (
                    <li key={i}>
                      {issue.path !== '' && <code>{issue.path}</code>} {issue.message}
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          )}
          {serverError}
          <div style={{ display: 'flex', gap: 8, justifyContent: 'flex-end' }}>
            {secondaryAction}
            <button
              type="button"
              className="btn btn--primary"
              disabled={submitting || check.kind !== 'valid' || !current}
              onClick={() => check.kind === 'valid' && onSubmit(check.definition)}
            >
              {submitting ? 'Saving…' : submitLabel}
            </button>
          </div>
        </div>
      </section>
      <section className="card editor-preview" aria-label="Preview">
        <div className="card__header">
          <h2>Preview</h2>
          {shown !== null && drawable === null && <span className="muted">Showing the last version that could be drawn</span>}
        </div>
        {shown !== null ? (
          <WorkflowDiagram definition={shown} mode="edit" selectedStepId={selectedStepId} onSelectStep={setSelectedStepId} aria-label="Diagram preview" />
        ) : (
          <div className="card__body">
            <p className="muted">The diagram appears once the definition has a name and at least one well-formed step.</p>
          </div>
        )}
      </section>
    </div>
  );
}
