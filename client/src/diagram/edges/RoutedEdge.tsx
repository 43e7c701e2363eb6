import { BaseEdge, EdgeLabelRenderer, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import type { BranchEdge, FlowEdge, Point } from '../diagram-types';
import { midpoint, roundedPath, routeCorners } from './route-path';

/** Every edge: dagre's route made orthogonal; a conditional's edges carry a `then` / `else` label. */
function RoutedEdgeComponent({ id, data, sourceX, sourceY, targetX, targetY, markerEnd }: EdgeProps<FlowEdge | BranchEdge>) {
  const offset = (p: Point): Point => ({ x: sourceX + p.x, y: sourceY + p.y });
  const corners = routeCorners({ source: { x: sourceX, y: sourceY }, target: { x: targetX, y: targetY }, waypoints: (data?.waypoints ?? []).map(offset) });
  const branch = data !== undefined && 'branch' in data ? data.branch : undefined;
  const label = data?.labelAt !== undefined ? offset(data.labelAt) : midpoint(corners);
  return (
    <>
      <BaseEdge id={id} path={roundedPath(corners)} {...(markerEnd ? { markerEnd } : {})} className={branch ? `wf-edge wf-edge--${branch}` : 'wf-edge'} />
      {branch !== undefined && (
        <EdgeLabelRenderer>
          <div className={`wf-edge-label wf-edge-label--${branch}`} style={{ transform: `translate(-50%, -50%) translate(${label.x}px, ${label.y}px)` }}>
            {branch}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const RoutedEdge = memo(RoutedEdgeComponent);
