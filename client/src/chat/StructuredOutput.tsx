import './step-cards.css';
/** Structured output of an agent step: its fields as a key/value card, the raw JSON one click away. */
export function StructuredOutput({ value }: { value: unknown }) {
  const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : null;
  return (
    <div className="structured">
      <p className="structured__title">Structured output</p>
      {entries !== null ? (
        <dl className="structured__fields">
          {entries.map(([key, field]) => (
            <div key={key} className="structured__field">
              <dt>{key}</dt>
              <dd>{typeof field === 'string' ? field : <code>{JSON.stringify(field)}</code>}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <code>{JSON.stringify(value)}</code>
      )}
      <details>
        <summary>Raw JSON</summary>
        <pre className="code-block">{JSON.stringify(value, null, 2)}</pre>
      </details>
    </div>
  );
}
