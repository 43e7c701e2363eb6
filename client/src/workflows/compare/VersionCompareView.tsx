import './compare.css';
import { type DefinitionDiffSummary, diffDefinitions, summarizeDefinitionChanges, type WorkflowDefinition } from '@weft/shared';
import { useId, useMemo, useState } from 'react';
import { DIFF_LABELS, type DiffKind, marksFor } from '../../diagram/step-marks';
import { WorkflowDiagram } from '../../diagram/WorkflowDiagram';
import { StepChangeDetail } from './StepChangeDetail';

const KINDS: readonly DiffKind[] = ['added', 'removed', 'changed', 'moved'];
/** A workflow-level value shown in the list of settings that differ is cut to this many characters. */
const FIELD_VALUE_MAX = 300;

/** A workflow-level value as short JSON text (absent: a dash). */
function fieldValue(value: unknown): string {
  if (value === undefined) return '—';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > FIELD_VALUE_MAX ? `${json.slice(0, FIELD_VALUE_MAX - 1)}…` : json;
}

/**
 * Two definitions drawn side by side, each step marked with how it differs: added (only on the
 * right), removed (only on the left), changed with its field paths, moved. Used for two stored
 * versions, and for a change not yet applied (a proposal, a refined draft). Clicking a step in
 * either diagram selects it in both and shows its field-level diff.
 */
export function VersionCompareView({
  before,
  after,
  beforeLabel,
  afterLabel,
  summary: given,
  selectedStepId: controlled,
  onSelectStep,
  compact = false,
}: {
  before: WorkflowDefinition;
  after: WorkflowDefinition;
  beforeLabel: string;
  afterLabel: string;
  /** The server's answer for stored versions; computed here otherwise (the same shared function). */
  summary?: DefinitionDiffSummary;
  selectedStepId?: string | null;
  onSelectStep?: (stepId: string | null) => void;
  /** Smaller diagrams, for a card inside a page (a fix in the chat). */
  compact?: boolean;
}) {
  // Several views can share a page (a chat with two fixes): headings are named by unique ids.
  const id = useId();
  // One diff: the steps' summary (unless the server's answer is given) and the workflow-level fields.
  const changes = useMemo(() => diffDefinitions(before, after), [before, after]);
  const computed = useMemo(() => (given === undefined ? summarizeDefinitionChanges(changes) : null), [given, changes]);
  const summary = given ?? computed!;
  const left = useMemo(() => marksFor(summary, 'before'), [summary]);
  const right = useMemo(() => marksFor(summary, 'after'), [summary]);
  const [own, setOwn] = useState<string | null>(null);
  const selected = controlled === undefined ? own : controlled;
  const select = (stepId: string | null) => {
    setOwn(stepId);
    onSelectStep?.(stepId);
  };
  const counts: Record<DiffKind, number> = {
    added: summary.added.length,
    removed: summary.removed.length,
    changed: summary.changed.length,
    moved: summary.moved.length,
  };
  const same = KINDS.every((kind) => counts[kind] === 0);
  // Workflow-level fields (name, inputs and their defaults, requires…) are not steps: listed apart,
  // so a change to them alone never reads as "nothing differs".
  const fields = useMemo(() => changes.flatMap((c) => (c.kind === 'field' ? [c] : [])), [changes]);

  return (
    <div className={`compare wf-diff-colors${compact ? ' compare--compact' : ''}`} data-testid="version-compare">
      <ul className="compare__legend" aria-label="Changes by kind">
        {KINDS.map((kind) => (
          <li key={kind} data-legend={kind}>
            <span className={`wf-diff__badge wf-diff__badge--${kind}`}>
              <span aria-hidden="true">{DIFF_LABELS[kind].symbol}</span> {DIFF_LABELS[kind].text}
            </span>{' '}
            {counts[kind] === 1 ? '1 step' : `${counts[kind]} steps`}
          </li>
        ))}
        {same && <li className="muted">No step differs.</li>}
      </ul>
      {fields.length > 0 && (
        <section className="card compare__fields" aria-label="Workflow settings that differ" data-testid="compare-fields">
          <div className="card__body">
            <h3 className="compare__fields-title">{fields.length === 1 ? '1 workflow setting differs' : `${fields.length} workflow settings differ`}</h3>
            <ul>
              {fields.map((f) => (
                <li key={f.path} data-field={f.path}>
                  <code>{f.path}</code>: <code className="compare__field-before">{fieldValue(f.before)}</code> →{' '}
                  <code className="compare__field-after">{fieldValue(f.after)}</code>
                </li>
              ))}
            </ul>
          </div>
        </section>
      )}
      <div className="compare__sides">
        <section className="card compare__side" aria-labelledby={`${id}-before`} data-side="before">
          <div className="card__header">
            <h2 id={`${id}-before`}>{beforeLabel}</h2>
            <span className="muted">Removed steps are marked here</span>
          </div>
          <WorkflowDiagram
            definition={before}
            mode="view"
            stepMarks={left}
            selectedStepId={selected}
            onSelectStep={select}
            aria-label={`Diagram of ${beforeLabel}`}
          />
        </section>
        <section className="card compare__side" aria-labelledby={`${id}-after`} data-side="after">
          <div className="card__header">
            <h2 id={`${id}-after`}>{afterLabel}</h2>
            <span className="muted">Added steps are marked here</span>
          </div>
          <WorkflowDiagram
            definition={after}
            mode="view"
            stepMarks={right}
            selectedStepId={selected}
            onSelectStep={select}
            aria-label={`Diagram of ${afterLabel}`}
          />
        </section>
      </div>
      <section className="card" aria-label="Step differences">
        <div className="card__body">
          {selected === null ? (
            <p className="muted">Select a step in either diagram to see what changed in its settings.</p>
          ) : (
            <StepChangeDetail before={before} after={after} summary={summary} stepId={selected} beforeLabel={beforeLabel} afterLabel={afterLabel} />
          )}
        </div>
      </section>
    </div>
  );
}
