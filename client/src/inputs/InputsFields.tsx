import './inputs.css';
import type { WorkflowInputs } from '@weft/shared';
import { useId } from 'react';
import { inputEntries, type InputDraft, type InputErrors } from './inputs-form';

/** One field per declared input: text, number, checkbox, or a JSON textarea for objects and arrays. */
export function InputsFields({
  inputs,
  draft,
  errors,
  onChange,
}: {
  inputs: WorkflowInputs | undefined;
  draft: InputDraft;
  errors: InputErrors;
  onChange: (next: InputDraft) => void;
}) {
  const base = useId();
  return (
    <div className="inputs-fields">
      {inputEntries(inputs).map(([name, input]) => {
        const id = `${base}-${name}`;
        const hintId = `${id}-hint`;
        const errorId = `${id}-error`;
        const error = errors[name];
        const required = input.required === true && input.default === undefined;
        const value = draft[name];
        const describedBy = [input.description !== undefined ? hintId : null, error !== undefined ? errorId : null].filter(Boolean).join(' ') || undefined;
        const set = (next: string | boolean) => onChange({ ...draft, [name]: next });
        return (
          <div key={name} className="field" data-input={name}>
            {input.type === 'boolean' ? (
              <label className="checkbox" htmlFor={id}>
                <input
                  id={id}
                  type="checkbox"
                  checked={value === true}
                  onChange={(e) => set(e.target.checked)}
                  aria-required={required}
                  aria-describedby={describedBy}
                />
                <span className="mono">{name}</span>
                {required && (
                  <span className="field__required" aria-hidden="true">
                    *
                  </span>
                )}
              </label>
            ) : (
              <label className="field__label" htmlFor={id}>
                <span className="mono">{name}</span>
                {required && (
                  <span className="field__required" aria-hidden="true">
                    *
                  </span>
                )}
                <span className="field__type">{input.type}</span>
              </label>
            )}
            {input.type === 'object' || input.type === 'array' ? (
              <textarea
                id={id}
                className="textarea inputs-fields__json"
                rows={4}
                spellCheck={false}
                value={typeof value === 'string' ? value : ''}
                placeholder={input.type === 'array' ? '[]' : '{}'}
                onChange={(e) => set(e.target.value)}
                aria-invalid={error !== undefined}
                aria-describedby={describedBy}
                aria-required={required}
              />
            ) : input.type !== 'boolean' ? (
              <input
                id={id}
                className="input"
                type="text"
                inputMode={input.type === 'number' ? 'decimal' : undefined}
                value={typeof value === 'string' ? value : ''}
                onChange={(e) => set(e.target.value)}
                aria-invalid={error !== undefined}
                aria-describedby={describedBy}
                aria-required={required}
              />
            ) : null}
            {input.description !== undefined && (
              <span id={hintId} className="field__hint">
                {input.description}
              </span>
            )}
            {error !== undefined && (
              <span id={errorId} className="field__error" role="alert">
                {error}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}
