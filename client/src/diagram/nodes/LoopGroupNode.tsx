import type { NodeProps } from '@xyflow/react';
import { memo, type MouseEvent } from 'react';
import type { LoopNode } from '../diagram-types';
import { useDiagram } from '../diagram-context';
import { useLoopIterations } from '../use-step-display';
import { DiffMarks } from './DiffMarks';
import { IfChip } from './IfChip';
import { StepIcon } from './icons';
import { StatusBadge } from './StatusBadge';
import { SOURCE_HANDLE, TARGET_HANDLE } from './StaticHandle';
import { useNodeState } from './use-node-state';

const MAX_TABS = 8;

/** A loop: a group holding its body, labelled with what it iterates over. */
function LoopGroupNodeComponent({ data }: NodeProps<LoopNode>) {
  const { display, runtime, changed, mark, stateClass, attributes } = useNodeState(data);

  return (
    <div className={`wf-loop${stateClass}`} {...attributes}>
      {TARGET_HANDLE}
      <div className="wf-loop__header">
        <div className="wf-loop__title">
          <span className="wf-node__icon" title="Loop">
            <StepIcon type="loop" />
          </span>
          <span className="wf-node__name">{data.title}</span>
          {data.conditional && <IfChip />}
          {changed && <span className="wf-changed wf-changed--inline">Changed</span>}
          {mark !== undefined && <DiffMarks mark={mark} inline />}
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
      // biome-ignore lint/a11y/useKeyWithClickEvents: not an action: it only keeps a click on the select from also selecting the loop node; the select handles the keyboard.
      <label className="wf-iterations wf-iterations--select nodrag nopan" onClick={stop}>
        <span>Iteration</span>
        <select value={String(selected)} onChange={(event) => store.selectIteration(loopId, event.target.value === 'all' ? 'all' : Number(event.target.value))}>
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
    <fieldset className="wf-iterations nodrag nopan" aria-label="Show iteration">
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
    </fieldset>
  );
}

export const LoopGroupNode = memo(LoopGroupNodeComponent);
LoopGroupNode.displayName = 'LoopGroupNode';
