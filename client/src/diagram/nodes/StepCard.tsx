import type { ReactNode } from 'react';
import { STEP_CATALOGUE } from '@weft/shared';
import type { StepNodeData } from '../diagram-types';
import { DiffMarks } from './DiffMarks';
import { IfChip } from './IfChip';
import { StepIcon } from './icons';
import { StatusBadge } from './StatusBadge';
import { SOURCE_HANDLE, TARGET_HANDLE } from './StaticHandle';
import { useNodeState } from './use-node-state';

export type StepCardVariant = 'card' | 'gate' | 'decision';

/**
 * The chrome every step node shares: handles, icon, title, key parameter,
 * selection ring and, in runtime mode, the status overlay. Reads its own
 * status from the store, so only this node re-renders when it changes.
 */
export function StepCard({ data, variant, tag, children }: { data: StepNodeData; variant: StepCardVariant; tag?: string; children?: ReactNode }) {
  const { display, runtime, changed, mark, stateClass, attributes } = useNodeState(data);
  const kind = STEP_CATALOGUE[data.stepType]?.title ?? data.stepType;

  return (
    <div className={`wf-node wf-node--${variant} wf-type--${data.stepType}${stateClass}`} {...attributes}>
      {TARGET_HANDLE}
      {variant === 'decision' && (
        <svg className="wf-node__shape" viewBox="0 0 260 76" preserveAspectRatio="none" aria-hidden="true">
          <polygon points="18,1 242,1 259,38 242,75 18,75 1,38" vectorEffect="non-scaling-stroke" />
        </svg>
      )}
      <span className="wf-node__icon" title={kind}>
        <StepIcon type={data.stepType} />
      </span>
      <span className="wf-node__text">
        <span className="wf-node__title">
          <span className="wf-node__name">{data.title}</span>
          {data.conditional && <IfChip />}
          {tag !== undefined && <span className="wf-chip wf-chip--tag">{tag}</span>}
        </span>
        <span className="wf-node__param" title={data.keyParam}>
          {data.keyParam || '\u00a0'}
        </span>
      </span>
      {changed && <span className="wf-changed">Changed</span>}
      {mark !== undefined && <DiffMarks mark={mark} />}
      {children}
      {runtime && <StatusBadge display={display} showAttempt={variant !== 'decision'} />}
      {SOURCE_HANDLE}
    </div>
  );
}
