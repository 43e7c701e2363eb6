import './definition-editor.css';
import { validateWorkflowDefinition, type WorkflowDefinition } from '@weft/shared';
import { useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react';
import { parseDefinition } from '../../lib/definition';
import { locateAll } from './json-locate';

export type DefinitionCheck =
  | { kind: 'json-error'; message: string }
  | { kind: 'invalid'; errors: { path: string; message: string }[]; drawable: WorkflowDefinition | null }
  | { kind: 'valid'; definition: WorkflowDefinition };

/** Parses and validates with the same validator the server uses. */
function checkDefinitionText(text: string): DefinitionCheck {
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

export function checkSummary(check: DefinitionCheck): string {
  if (check.kind === 'valid') return 'Valid';
  if (check.kind === 'json-error') return 'Not JSON';
  return `${check.errors.length} ${check.errors.length === 1 ? 'problem' : 'problems'}`;
}

/**
 * A workflow definition as editable JSON, checked as you type by the shared validator. Each problem
 * is listed at its path with its line; choosing one selects that spot in the text. `onCheck`
 * reports every settled check (a valid definition, or why not).
 */
export function DefinitionEditor({
  initialText,
  onCheck,
  label = 'Definition (JSON)',
}: {
  initialText: string;
  onCheck?: (check: DefinitionCheck) => void;
  label?: string;
}) {
  const [text, setText] = useState(initialText);
  const deferred = useDeferredValue(text);
  const check = useMemo(() => checkDefinitionText(deferred), [deferred]);
  const editorId = useId();
  const statusId = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const onCheckRef = useRef(onCheck);
  onCheckRef.current = onCheck;

  useEffect(() => {
    onCheckRef.current?.(check);
  }, [check]);

  const located = useMemo(
    () =>
      check.kind === 'invalid'
        ? locateAll(
            deferred,
            check.errors.map((e) => e.path),
          )
        : [],
    [check, deferred],
  );

  const jumpTo = (start: number, end: number, line: number) => {
    const el = textarea.current;
    if (el === null) return;
    el.focus();
    el.setSelectionRange(start, end);
    const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight) || 19;
    el.scrollTop = Math.max(0, (line - 4) * lineHeight);
  };

  return (
    <div className="definition-editor">
      <div className="definition-editor__bar">
        <label htmlFor={editorId} className="field__label">
          {label}
        </label>
        <span id={statusId} className={check.kind === 'valid' ? 'chip chip--ok' : 'chip chip--danger'} aria-live="polite" data-testid="json-status">
          {checkSummary(check)}
        </span>
      </div>
      <textarea
        id={editorId}
        ref={textarea}
        className="textarea definition-editor__text"
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
            <ul className="issues" aria-label="Problems">
              {check.errors.map((issue, i) => {
                const at = located[i] ?? null;
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole by each check and one path can have several problems; order is the only identity.
                  <li key={`${issue.path}:${i}`} data-path={issue.path}>
                    {at !== null ? (
                      <button type="button" className="issue-link" onClick={() => jumpTo(at.start, at.end, at.line)} title={`Go to line ${at.line}`}>
                        {issue.path !== '' ? <code>{issue.path}</code> : <code>(definition)</code>} <span className="issue-link__line">line {at.line}</span>
                      </button>
                    ) : (
                      issue.path !== '' && <code>{issue.path}</code>
                    )}{' '}
                    {issue.message}
                  </li>
                );
              })}
            </ul>
          </div>
        </div>
      )}
    </div>
  );
}
