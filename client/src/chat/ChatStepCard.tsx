import './step-cards.css';
import type { StepStatus } from '@weft/shared';
import { StepIcon } from '../diagram/nodes/icons';
import { STATUS_LABELS } from '../diagram/step-display';
import { runDuration, StepStatusMark } from '../executions/StepTrace';
import { describeIteration, stepName, stepTypeOf } from '../executions/step-runs';
import { useNow } from '../lib/use-now';
import { isStepType } from '@weft/shared';
import type { RunDefinition } from './use-run-definitions';
import type { StepCardItem } from './render-plan';
import { stepErrorSentence } from '../lib/error-sentence';

const STATUSES = new Set<string>(Object.keys(STATUS_LABELS));

/** Any step other than an agent prompt: one line (name, iteration, status, time), notes it posted below. */
export function ChatStepCard({ item, run }: { item: StepCardItem; run: RunDefinition | undefined }) {
  const status: StepStatus = item.step !== null && STATUSES.has(item.step.status) ? (item.step.status as StepStatus) : 'succeeded';
  const now = useNow(status === 'running');
  const type = stepTypeOf(run?.definition, item.stepId);
  const iteration = describeIteration(item.iterationPath, run?.definition);
  return (
    <div className={`step-line step-line--${status}`} data-step-key={item.key} data-status={status}>
      <div className="step-line__head">
        {type !== undefined && isStepType(type) && (
          <span className="step-line__icon" aria-hidden="true">
            <StepIcon type={type} />
          </span>
        )}
        <span className="step-line__name">{stepName(run?.definition, item.stepId)}</span>
        {iteration !== '' && <span className="step-line__iteration">{iteration}</span>}
        <span className={`step-line__status wf-status--${status}`}>
          <StepStatusMark status={status} />
          {STATUS_LABELS[status]}
        </span>
        {item.step !== null && <span className="step-line__duration muted">{runDuration(item.step, now)}</span>}
      </div>
      {item.notes.map((note) => (
        <p key={note.id} className="step-line__note">
          {note.parts.map((p) => (p.type === 'text' ? p.text : '')).join('')}
        </p>
      ))}
      {item.step?.error !== undefined && <p className="step-line__error">{stepErrorSentence(item.step.error)}</p>}
    </div>
  );
}
