// Our rules before React Flow's sheet, the order they had when they lived in the main stylesheet.
import './diagram.css';
import './nodes/nodes.css';
import './nodes/changed.css';
import './nodes/diff-marks.css';
import '@xyflow/react/dist/style.css';
import { Background, BackgroundVariant, Controls, ReactFlow, type NodeMouseHandler } from '@xyflow/react';
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { WorkflowDefinition } from '@weft/shared';
import { createStepStatusStore, type StepState, type StepStatusStore } from '../store/step-status-store';
import { AutoFit } from './AutoFit';
import { DiagramContext, type DiagramContextValue } from './diagram-context';
import type { DiagramMode, DiagramNode } from './diagram-types';
import { FollowRunningStep } from './FollowRunningStep';
import { layoutWorkflow, refreshNodeData, structureKey } from './layout';
import { edgeTypes, nodeTypes } from './node-types';
import type { StepMark } from './step-marks';

export type WorkflowDiagramProps = {
  definition: Pick<WorkflowDefinition, 'steps'>;
  mode: DiagramMode;
  /** Runtime mode: a snapshot of step states; the diagram syncs its store to it. */
  stepStates?: readonly StepState[];
  /** Runtime mode: a store the caller feeds live events into; updates re-render only the affected nodes. */
  statusStore?: StepStatusStore;
  selectedStepId?: string | null;
  /** Clicking a step, or Enter on a focused one; `null` on Escape or a click on the background. */
  onSelectStep?: (stepId: string | null) => void;
  className?: string;
  'aria-label'?: string;
  /** Steps to draw as changed: the steps a refine touched, or what differs between two versions. */
  highlightStepIds?: ReadonlySet<string>;
  /** A comparison's marks by step id (see `marksFor`); keep the map's identity stable, every node reads it. */
  stepMarks?: ReadonlyMap<string, StepMark>;
  /** Rendered inside the flow (React Flow context): overlays such as a `NodeToolbar` beside a node. */
  children?: ReactNode;
  /** From this many nodes on, only those in view are rendered (`VISIBLE_ONLY_FROM`); the diagram bench passes Infinity to time mounting them all. */
  visibleOnlyFrom?: number;
};

const proOptions = { hideAttribution: false };
/**
 * From this many nodes on, only the nodes and edges in the viewport are in the DOM. A large run's
 * diagram then costs a seek or a burst of events the few nodes on screen, not style and layout for
 * every node; smaller diagrams keep every node mounted (panning mounts nothing).
 */
export const VISIBLE_ONLY_FROM = 150;

/** The one diagram for editing, viewing and watching a run. */
export function WorkflowDiagram({
  definition,
  mode,
  stepStates,
  statusStore,
  selectedStepId = null,
  onSelectStep,
  className,
  'aria-label': ariaLabel = 'Workflow diagram',
  highlightStepIds,
  stepMarks,
  children,
  visibleOnlyFrom = VISIBLE_ONLY_FROM,
}: WorkflowDiagramProps) {
  const [ownStore] = useState(createStepStatusStore);
  const store = statusStore ?? ownStore;

  useLayoutEffect(() => {
    if (stepStates !== undefined) store.replaceAll(stepStates);
  }, [store, stepStates]);
  useLayoutEffect(() => {
    store.select(selectedStepId);
  }, [store, selectedStepId]);

  // Layout depends on the structure only; labels are refreshed separately, so
  // renaming a step or editing a command never moves anything.
  const layoutKey = useMemo(() => structureKey(definition.steps), [definition]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by structure on purpose; a new definition with the same structure keeps the positions.
  const layout = useMemo(() => layoutWorkflow(definition), [layoutKey]);
  const nodes = useMemo(() => refreshNodeData(layout.nodes, definition), [layout, definition]);

  // Keyed by content, so a new Set with the same ids does not re-render every node.
  const highlightKey = highlightStepIds === undefined || highlightStepIds.size === 0 ? '' : [...highlightStepIds].sort().join('\n');
  const context = useMemo<DiagramContextValue>(
    () => ({
      store,
      mode,
      ...(highlightKey === '' ? {} : { highlighted: new Set(highlightKey.split('\n')) }),
      ...(stepMarks === undefined || stepMarks.size === 0 ? {} : { marks: stepMarks }),
    }),
    [store, mode, highlightKey, stepMarks],
  );

  const onSelectRef = useRef(onSelectStep);
  onSelectRef.current = onSelectStep;
  const onNodeClick = useCallback<NodeMouseHandler<DiagramNode>>((_, node) => {
    if (node.type !== 'end') onSelectRef.current?.(node.data.stepId);
  }, []);
  const onPaneClick = useCallback(() => onSelectRef.current?.(null), []);
  // Programmatic moves (fitting, following) come without an event; only the user's stop auto-fitting.
  const userMoved = useRef(false);
  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null) => {
    if (event !== null) userMoved.current = true;
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (onSelectStep === undefined || !target.classList.contains('react-flow__node')) return;
    if (event.key === 'Escape') {
      onSelectStep(null);
      return;
    }
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const node = nodes.find((n) => n.id === target.dataset.id);
    if (node === undefined || node.type === 'end') return;
    event.preventDefault();
    onSelectStep(node.data.stepId);
  };

  return (
    <DiagramContext value={context}>
      <section className={`wf-diagram wf-diagram--${mode}${className ? ` ${className}` : ''}`} aria-label={ariaLabel} onKeyDown={onKeyDown}>
        <ReactFlow<DiagramNode>
          nodes={nodes}
          edges={layout.edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          // Dragging, connecting, focusability and React Flow's selection are off on every node and
          // edge (set by the layout, so the first render is final). The matching flags are not passed
          // here: each would be one more store update after mount, re-running every node's and edge's
          // selectors, and `elementsSelectable` would re-render them all. Nothing being selectable,
          // only the Shift-drag selection box is left to switch off.
          selectionKeyCode={null}
          onNodeClick={onNodeClick}
          onPaneClick={onPaneClick}
          onMoveStart={onMoveStart}
          onlyRenderVisibleElements={nodes.length >= visibleOnlyFrom}
          minZoom={0.1}
          maxZoom={1.75}
          proOptions={proOptions}
        >
          <Background variant={BackgroundVariant.Dots} gap={18} size={1} color="var(--wf-grid)" />
          <Controls showInteractive={false} position="bottom-left" />
          <AutoFit layoutKey={layoutKey} width={layout.width} height={layout.height} userMoved={userMoved} />
          {mode === 'runtime' && <FollowRunningStep />}
          {children}
        </ReactFlow>
      </section>
    </DiagramContext>
  );
}
