import type { NodeProps } from '@xyflow/react';
import { memo, type MouseEvent } from 'react';
import type { LoopNode } from '../diagram-types';
import { useDiagram, useIsHighlighted } from '../diagram-context';
import { useIsSelected, useLoopIterations, useStepDisplay } from '../use-step-display';
import { StepIcon } from './icons';
import { StatusBadge } from './StatusBadge';
import { SOURCE_HANDLE, TARGET_HANDLE } from './StaticHandle';

const MAX_TABS = 8;

/** A loop: a group holding its body, labelled with what it iterates over. */
function LoopGroupNodeComponent({ data }: NodeProps<LoopNode>) {
  const { mode } = useDiagram();
  const display = useStepDisplay(data.stepId, data.loopIds);
  const selected = useIsSelected(data.stepId);
  const changed = useIsHighlighted(data.stepId);
  const runtime = mode === 'runtime';
  const statusClass = runtime ? ` is-${display?.status ?? 'idle'}` : '';

  return (
    <div
      className={`wf-loop${statusClass}${selected ? ' is-selected' : ''}${changed ? ' is-changed' : ''}`}
      data-step-id={data.stepId}
      data-changed={changed ? 'true' : undefined}
      data-status={runtime ? (display?.status ?? 'none') : undefined}
    >
      {TARGET_HANDLE}
      <div className="wf-loop__header">
        <div className="wf-loop__title">
          <span className="wf-node__icon" title="Loop">
            <StepIcon type="loop" />
          </span>
          <span className="wf-node__name">{data.title}</span>
          {data.conditional && (
            <span className="wf-chip wf-chip--if" title="Runs only when its if condition holds">
              if
            </span>
          )}
          {changed && (
            <span className="wf-changed wf-changed--inline">
              Changed
            </span>
          )}
        </div>
        <div className="wf-loop__over" title={`for each ${data.itemName} in ${data.over}`}>
          <span className="wf-loop__kw">for each</span> <code>{data.itemName}</code> <span className="wf-loop__kw">in</span> <code>{data.over}</code>
        </div>
        {runtime && <IterationTabs loopId={data.stepId} />}
      </div>
      {runtime && <StatusBadge display={display} showAttempt={false} />}
      {SOURCE_HANDLE}
    </div>
  );
}

/** "All" plus one tab per iteration seen; a select once there are too many for tabs. */
function IterationTabs({ loopId }: { loopId: string }) {
  const { store } = useDiagram();
  const { iterations, selected } = useLoopIterations(loopId);
  if (iterations.length === 0) return null;
  const stop = (event: MouseEvent) => event.stopPropagation();

  if (iterations.length > MAX_TABS) {
    return (
      <label className="wf-iterations wf-iterations--select nodrag nopan" onClick={stop}>
        <span>Iteration</span>
        <select
          value={String(selected)}
          onChange={(event) => store.selectIteration(loopId, event.target.value === 'all' ? 'all' : Number(event.target.value))}
        >
          <option value="all">All ({iterations.length})</option>
          {iterations.map((index) => (
            <option key={index} value={index}>
              #{index + 1}
            </option>
          ))}
        </select>
      </label>
    );
  }
  return (
    <div className="wf-iterations nodrag nopan" role="group" aria-label="Show iteration">
      {(['all', ...iterations] as const).map((value) => (
        <button
          key={String(value)}
          type="button"
          className="wf-iterations__tab"
          aria-pressed={selected === value}
          onClick={(event) => {
            stop(event);
            store.selectIteration(loopId, value);
          }}
        >
          {value === 'all' ? 'All' : `#${value + 1}`}
        </button>
      ))}
    </div>
  );
}

export const LoopGroupNode = memo(LoopGroupNodeComponent);
LoopGroupNode.displayName = 'LoopGroupNode';
