import { DIFF_LABELS, type StepMark } from '../step-marks';

/**
 * A comparison's markers on a node: one labelled badge per kind (symbol and word, so colour is
 * never the only signal) and, for a changed step, the paths of the fields that changed. Plain
 * text nodes only: field paths come from the definition, which is untrusted.
 */
export function DiffMarks({ mark, inline = false }: { mark: StepMark; inline?: boolean }) {
  const fields = mark.fields.join(', ');
  return (
    <span className={`wf-diff${inline ? ' wf-diff--inline' : ''}`}>
      {mark.kinds.map((kind) => (
        <span key={kind} className={`wf-diff__badge wf-diff__badge--${kind}`} data-diff-kind={kind}>
          <span aria-hidden="true">{DIFF_LABELS[kind].symbol}</span> {DIFF_LABELS[kind].text}
        </span>
      ))}
      {fields !== '' && (
        <span className="wf-diff__fields" data-testid="diff-fields" title={fields}>
          <span className="visually-hidden">Changed fields: </span>
          {fields}
        </span>
      )}
    </span>
  );
}
