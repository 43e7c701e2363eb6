/** Marks a step that runs only when its `if` holds (step cards and loop groups). */
export function IfChip() {
  return (
    <span className="wf-chip wf-chip--if" title="Runs only when its if condition holds">
      if
    </span>
  );
}
