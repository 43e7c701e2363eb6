import { BaseEdge, useStore, type EdgeProps, type ReactFlowState } from '@xyflow/react';
import { memo, useMemo, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import type { BranchEdge, FlowEdge, Point } from '../diagram-types';
import { midpoint, roundedPath, routeCorners } from './route-path';

const selectDomNode = (s: ReactFlowState) => s.domNode;

/**
 * `EdgeLabelRenderer`, minus its cost: that one subscribes with a selector
 * that runs `querySelector` over the whole diagram, per label, on every store
 * update (a dozen while a diagram mounts). This looks the container up once,
 * when React Flow's root element is known.
 */
function EdgeLabel({ children }: { children: ReactNode }) {
  const domNode = useStore(selectDomNode);
  const container = useMemo(() => domNode?.querySelector('.react-flow__edgelabel-renderer') ?? null, [domNode]);
  return container === null ? null : createPortal(children, container);
}

/** Every edge: the layout's route made orthogonal; a conditional's edges carry a `then` / `else` label. */
function RoutedEdgeComponent({ id, data, sourceX, sourceY, targetX, targetY, markerEnd }: EdgeProps<FlowEdge | BranchEdge>) {
  const offset = (p: Point): Point => ({ x: sourceX + p.x, y: sourceY + p.y });
  const corners = routeCorners({ source: { x: sourceX, y: sourceY }, target: { x: targetX, y: targetY }, waypoints: (data?.waypoints ?? []).map(offset) });
  const branch = data !== undefined && 'branch' in data ? data.branch : undefined;
  const label = data?.labelAt !== undefined ? offset(data.labelAt) : midpoint(corners);
  return (
    <>
      {/* No invisible 20px hit path: edges are not interactive, and 300 of them are 300 fewer SVG paths to create. */}
      <BaseEdge
        id={id}
        path={roundedPath(corners)}
        interactionWidth={0}
        {...(markerEnd ? { markerEnd } : {})}
        className={branch ? `wf-edge wf-edge--${branch}` : 'wf-edge'}
      />
      {branch !== undefined && (
        <EdgeLabel>
          <div className={`wf-edge-label wf-edge-label--${branch}`} style={{ transform: `translate(-50%, -50%) translate(${label.x}px, ${label.y}px)` }}>
            {branch}
          </div>
        </EdgeLabel>
      )}
    </>
  );
}

export const RoutedEdge = memo(RoutedEdgeComponent);
