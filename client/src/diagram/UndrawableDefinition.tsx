/** In place of a diagram when a stored definition does not parse: why, never a blank card. */
export function UndrawableDefinition({ problem }: { problem: string }) {
  return (
    <div className="card__body">
      <div className="alert alert--error">
        <div className="alert__body">This version cannot be drawn: {problem}.</div>
      </div>
    </div>
  );
}
