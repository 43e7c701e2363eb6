import { useDiagram, useIsHighlighted, useStepMark } from '../diagram-context';
import type { StepNodeData } from '../diagram-types';
import { useIsSelected, useStepDisplay } from '../use-step-display';

/**
 * What a node's frame shows about its step, shared by step cards and loop groups: its run display
 * (runtime mode only), and the state classes and data attributes for status, selection and highlight.
 */
export function useNodeState({ stepId, loopIds }: Pick<StepNodeData, 'stepId' | 'loopIds'>) {
  const { mode } = useDiagram();
  const display = useStepDisplay(stepId, loopIds);
  const selected = useIsSelected(stepId);
  const changed = useIsHighlighted(stepId);
  const mark = useStepMark(stepId);
  const runtime = mode === 'runtime';
  // A comparison colours the frame by its first kind (added, removed or changed before moved).
  const diffClass = mark === undefined ? '' : ` has-diff has-diff--${mark.kinds[0]}`;
  const stateClass = `${runtime ? ` is-${display?.status ?? 'idle'}` : ''}${selected ? ' is-selected' : ''}${changed ? ' is-changed' : ''}${diffClass}`;
  const attributes = {
    'data-step-id': stepId,
    'data-changed': changed ? 'true' : undefined,
    'data-status': runtime ? (display?.status ?? 'none') : undefined,
    'data-diff': mark === undefined ? undefined : mark.kinds.join(' '),
  };
  return { display, runtime, changed, mark, stateClass, attributes };
}
