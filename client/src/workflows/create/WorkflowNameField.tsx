/** The draft's name, always on screen: a short title, editable once there is a draft. */
export function WorkflowNameField({
  value,
  hasDraft,
  error,
  onChange,
}: {
  value: string;
  hasDraft: boolean;
  error: string | null;
  onChange: (text: string) => void;
}) {
  return (
    <div className="composer-name field">
      <label htmlFor="composer-name-input">Name</label>
      <input
        id="composer-name-input"
        className="input"
        value={value}
        maxLength={200}
        disabled={!hasDraft}
        placeholder={hasDraft ? 'A short title' : 'Appears with the first draft'}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error !== null}
        aria-describedby={error !== null ? 'composer-name-error' : undefined}
        data-testid="workflow-name"
      />
      {error !== null && (
        <span id="composer-name-error" className="field__error">
          {error}
        </span>
      )}
    </div>
  );
}
