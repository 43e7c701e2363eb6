import dagre from '@dagrejs/dagre';
import { MarkerType, Position, type Edge, type Node } from '@xyflow/react';
import { childBranches, type ChildBranch, type Step, type StepType, type WorkflowDefinition } from '@weft/shared';
import type { BranchLabel, DiagramEdge, DiagramNode, EndNode, LoopNode, Point, StepNode } from './diagram-types';
import { loopNodeData, nodeAriaLabel, sameNodeData, stepNodeData } from './node-data';

type Size = { width: number; height: number };

/** Fixed node sizes per type; node components are styled to exactly these. */
export const NODE_SIZES: { readonly [T in Exclude<StepType, 'loop'>]: Size } & { readonly end: Size } = {
  agent_prompt: { width: 260, height: 72 },
  bash: { width: 260, height: 72 },
  notify: { width: 260, height: 72 },
  http: { width: 260, height: 72 },
  tool: { width: 260, height: 72 },
  wait: { width: 260, height: 72 },
  approval: { width: 260, height: 80 },
  conditional: { width: 260, height: 76 },
  end: { width: 112, height: 32 },
};
export const FALLBACK_NODE_SIZE: Size = { width: 260, height: 72 };

/** The loop group: a header (title, `over`, iteration tabs) above its body, with padding around. */
export const LOOP_HEADER_HEIGHT = 64;
export const LOOP_PADDING = 20;
export const LOOP_MIN_WIDTH = 320;

const RANK_SEP = 44;
const NODE_SEP = 40;
const EDGE_LABEL_SIZE = { width: 40, height: 20 };

/** `.wf-handle` is 6 px square. */
const HANDLE_SIZE = 6;

/** Ids of synthetic nodes contain `@`, which step ids never do. */
export const END_NODE_ID = '@end';
export const loopEndNodeId = (loopId: string) => `@end/${loopId}`;

export type WorkflowLayout = { nodes: DiagramNode[]; edges: DiagramEdge[]; width: number; height: number };

type Dangling = { source: string; branch?: BranchLabel };
type PendingEdge = { id: string; source: string; target: string; branch: BranchLabel | undefined };

/** What one level (the top-level list, or one loop's body) lays out. */
type Level = {
  graph: dagre.graphlib.Graph;
  /** Nodes of this level in document order, each followed by its loop children (relative to it). */
  items: { node: DiagramNode; size: Size; children: DiagramNode[] }[];
  edges: PendingEdge[];
  /** Edges of nested levels, already routed. */
  nestedEdges: DiagramEdge[];
  parentId: string | undefined;
  loopIds: readonly string[];
  ids: Set<string>;
};

/**
 * What React Flow would otherwise measure, or get from the `ReactFlow` props
 * only after its first render: every node is final on that first render, so
 * it renders once, and its edges render with it instead of after a
 * ResizeObserver round trip. Sizes are fixed per type (`NODE_SIZES`), so
 * `measured` is known; `handles` are where the 6 px `.wf-handle`s measure,
 * inside the card's border (React Flow still measures the DOM handles once,
 * after the first paint, and uses those from then on); dragging, connecting
 * and React Flow's own selection are off (the diagram selects through
 * `onNodeClick` and the step-status store).
 */
function staticNodeProps(type: DiagramNode['type'], size: Size) {
  // The border the handles sat inside: `.wf-node` 1px (the gate's left one 4px), the loop group
  // 1.5px (drawn as 1px at zoom 1), none for the decision's polygon or the end marker.
  const border = type === 'conditional' || type === 'end' ? 0 : 1;
  const x = size.width / 2 - HANDLE_SIZE / 2 + (type === 'approval' ? 1.5 : 0);
  const handles: NonNullable<Node['handles']> = [
    { type: 'target', position: Position.Top, x, y: border - HANDLE_SIZE / 2, width: HANDLE_SIZE, height: HANDLE_SIZE },
  ];
  if (type !== 'end') {
    handles.push({ type: 'source', position: Position.Bottom, x, y: size.height - border - HANDLE_SIZE / 2, width: HANDLE_SIZE, height: HANDLE_SIZE });
  }
  return { ...size, measured: { ...size }, handles, draggable: false, connectable: false, selectable: false };
}

/**
 * The same for edges: React Flow applies `defaultEdgeOptions` and the
 * `edgesFocusable` / `elementsSelectable` props only after its first render,
 * which then rewrote the marker, class, role and tabindex of every edge.
 */
const STATIC_EDGE_PROPS = {
  markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14, color: 'var(--wf-edge)' },
  focusable: false,
  selectable: false,
} satisfies Partial<Edge>;

/**
 * Lays a workflow out top to bottom. Pure: a fresh dagre graph per level and
 * call, positions in React Flow's convention (top-left; children relative to
 * their loop group, which precedes them in `nodes`).
 */
export function layoutWorkflow(definition: Pick<WorkflowDefinition, 'steps'>): WorkflowLayout {
  const ids = new Set<string>();
  const level = layoutLevel(definition.steps ?? [], { parentId: undefined, loopIds: [], ids, endId: END_NODE_ID, endLabel: 'End' });
  return { nodes: level.nodes, edges: level.edges, width: level.width, height: level.height };
}

function layoutLevel(
  steps: readonly Step[],
  scope: { parentId: string | undefined; loopIds: readonly string[]; ids: Set<string>; endId: string; endLabel: string },
): WorkflowLayout {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', ranksep: RANK_SEP, nodesep: NODE_SEP, edgesep: 16, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const level: Level = { graph, items: [], edges: [], nestedEdges: [], parentId: scope.parentId, loopIds: scope.loopIds, ids: scope.ids };

  const dangling = addList({ level, steps, incoming: [] });
  const needsEnd = dangling.length > 1 || dangling.some((d) => d.branch !== undefined);
  if (needsEnd) {
    const end: EndNode = {
      id: scope.endId,
      type: 'end',
      position: { x: 0, y: 0 },
      data: { label: scope.endLabel },
      ...staticNodeProps('end', NODE_SIZES.end),
      focusable: false,
      ...(scope.parentId === undefined ? {} : { parentId: scope.parentId, extent: 'parent' as const }),
    };
    addNode({ level, node: end, size: NODE_SIZES.end });
    connect({ level, incoming: dangling, target: end.id });
  }

  dagre.layout(graph, { customOrder: documentOrder });

  const nodes: DiagramNode[] = [];
  let width = 0;
  let height = 0;
  for (const { node, size, children } of level.items) {
    const placed = graph.node(node.id);
    const x = (placed?.x ?? 0) - size.width / 2;
    const y = (placed?.y ?? 0) - size.height / 2;
    nodes.push({ ...node, position: { x, y } } as DiagramNode);
    nodes.push(...children);
    width = Math.max(width, x + size.width);
    height = Math.max(height, y + size.height);
  }
  const edges = level.edges.map((edge) => routeEdge(graph, edge));
  return { nodes, edges: [...edges, ...level.nestedEdges], width, height };
}

/**
 * dagre's order phase, minus its crossing-minimisation sweeps (half of dagre's time on a 300-step
 * workflow, most of it building per-rank graphs for them). A workflow is series-parallel and its
 * nodes and edges are added in document order, so dagre's own initial order (a depth-first walk
 * in that order, `then` before `else`) is already free of crossings; this is that walk.
 */
function documentOrder(g: dagre.graphlib.Graph): void {
  const nodes = g.nodes().filter((v) => (g.children(v) ?? []).length === 0);
  const rankOf = (v: string) => (g.node(v) as unknown as { rank: number }).rank;
  const layers = new Map<number, string[]>();
  const visited = new Set<string>();
  const visit = (v: string) => {
    if (visited.has(v)) return;
    visited.add(v);
    const rank = rankOf(v);
    const layer = layers.get(rank) ?? [];
    layers.set(rank, layer);
    (g.node(v) as unknown as { order: number }).order = layer.length;
    layer.push(v);
    for (const w of g.successors(v) ?? []) visit(w);
  };
  for (const v of [...nodes].sort((a, b) => rankOf(a) - rankOf(b))) visit(v);
}

function routeEdge(graph: dagre.graphlib.Graph, { id, source, target, branch }: PendingEdge): DiagramEdge {
  const from = graph.node(source);
  const anchor = { x: from?.x ?? 0, y: (from?.y ?? 0) + (from?.height ?? 0) / 2 };
  const placed = graph.edge(source, target, id) as { points?: Point[]; x?: number; y?: number } | undefined;
  const relative = (p: Point): Point => ({ x: round(p.x - anchor.x), y: round(p.y - anchor.y) });
  // dagre's first and last points are where the edge meets the node borders; React Flow supplies those.
  const waypoints = (placed?.points ?? []).slice(1, -1).map(relative);
  const labelAt = placed?.x !== undefined && placed.y !== undefined ? relative({ x: placed.x, y: placed.y }) : undefined;
  if (branch === undefined) return { id, source, target, type: 'flow', ...STATIC_EDGE_PROPS, data: { waypoints } };
  return {
    id,
    source,
    target,
    type: 'branch',
    ...STATIC_EDGE_PROPS,
    label: branch,
    ariaLabel: `${branch} branch from ${source} to ${target}`,
    data: { waypoints, branch, ...(labelAt ? { labelAt } : {}) },
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Adds a list of steps; returns the sources whose edges must go to whatever follows the list. */
function addList({ level, steps, incoming }: { level: Level; steps: readonly Step[]; incoming: Dangling[] }): Dangling[] {
  let pending = incoming;
  for (const step of steps) {
    pending = addStep({ level, step, incoming: pending });
  }
  return pending;
}

function addStep({ level, step, incoming }: { level: Level; step: Step; incoming: Dangling[] }): Dangling[] {
  const id = uniqueId(level.ids, step.id);
  switch (step.type) {
    case 'conditional': {
      const node: StepNode<'conditional'> = stepNode({ level, id, step, type: 'conditional' });
      addNode({ level, node, size: NODE_SIZES.conditional });
      connect({ level, incoming, target: id });
      const branches = childBranches(step);
      const thenSteps = branches.find((b) => b.branch === 'then')?.steps ?? [];
      const elseSteps = branches.find((b) => b.branch === 'else')?.steps ?? [];
      const branch = (name: BranchLabel, steps: readonly Step[]): Dangling[] =>
        steps.length > 0 ? addList({ level, steps, incoming: [{ source: id, branch: name }] }) : [{ source: id, branch: name }];
      const thenOut = branch('then', thenSteps);
      const elseOut = branch('else', elseSteps);
      return [...thenOut, ...elseOut];
    }
    case 'loop': {
      const loopIds = [...level.loopIds, step.id];
      const body = layoutLevel(Array.isArray(step.steps) ? step.steps : [], {
        parentId: id,
        loopIds,
        ids: level.ids,
        endId: loopEndNodeId(id),
        endLabel: 'Next item',
      });
      const size = {
        width: Math.max(LOOP_MIN_WIDTH, body.width + 2 * LOOP_PADDING),
        height: LOOP_HEADER_HEIGHT + body.height + LOOP_PADDING + (body.nodes.length > 0 ? LOOP_PADDING / 2 : 0),
      };
      const offsetX = (size.width - body.width) / 2;
      const offsetY = LOOP_HEADER_HEIGHT + (body.nodes.length > 0 ? LOOP_PADDING / 2 : 0);
      // Direct children move into the group's body; deeper ones are relative to their own group already.
      const children = body.nodes.map(
        (child): DiagramNode =>
          child.parentId === id ? ({ ...child, position: { x: child.position.x + offsetX, y: child.position.y + offsetY } } as DiagramNode) : child,
      );
      const data = loopNodeData(step, level.loopIds);
      const node: LoopNode = {
        id,
        type: 'loop',
        position: { x: 0, y: 0 },
        data,
        ...staticNodeProps('loop', size),
        ariaLabel: nodeAriaLabel(data),
        ...(level.parentId === undefined ? {} : { parentId: level.parentId, extent: 'parent' as const }),
      };
      addNode({ level, node, size, children });
      level.nestedEdges.push(...body.edges);
      connect({ level, incoming, target: id });
      return [{ source: id }];
    }
    case 'agent_prompt':
    case 'bash':
    case 'notify':
    case 'http':
    case 'tool':
    case 'approval':
    case 'wait': {
      const node = stepNode({ level, id, step, type: step.type }) as DiagramNode;
      addNode({ level, node, size: NODE_SIZES[step.type] });
      connect({ level, incoming, target: id });
      return [{ source: id }];
    }
    default: {
      const unexpected: never = step;
      throw new Error(`cannot lay out step type ${JSON.stringify((unexpected as { type?: unknown }).type)}`);
    }
  }
}

function stepNode<T extends Exclude<StepType, 'loop'>>({ level, id, step, type }: { level: Level; id: string; step: Step; type: T }): StepNode<T> {
  const data = stepNodeData(step, level.loopIds);
  return {
    id,
    type,
    position: { x: 0, y: 0 },
    data,
    ...staticNodeProps(type, NODE_SIZES[type] ?? FALLBACK_NODE_SIZE),
    ariaLabel: nodeAriaLabel(data),
    ...(level.parentId === undefined ? {} : { parentId: level.parentId, extent: 'parent' as const }),
  };
}

function addNode({ level, node, size, children = [] }: { level: Level; node: DiagramNode; size: Size; children?: DiagramNode[] }): void {
  level.graph.setNode(node.id, { width: size.width, height: size.height });
  level.items.push({ node, size, children });
}

function connect({ level, incoming, target }: { level: Level; incoming: Dangling[]; target: string }): void {
  for (const { source, branch } of incoming) {
    const id = `${source}->${target}${branch ? `:${branch}` : ''}`;
    level.graph.setEdge(source, target, branch ? { ...EDGE_LABEL_SIZE, labelpos: 'c' } : {}, id);
    level.edges.push({ id, source, target, branch });
  }
}

function uniqueId(ids: Set<string>, stepId: string): string {
  let id = typeof stepId === 'string' && stepId !== '' ? stepId : 'step';
  for (let n = 2; ids.has(id); n++) id = `${stepId}~${n}`;
  ids.add(id);
  return id;
}

/**
 * What the layout depends on: ids, types and nesting. Names, commands and
 * prompts are not in it, so editing them keeps the layout (see `refreshNodeData`).
 */
export function structureKey(steps: readonly Step[] | undefined): string {
  if (!Array.isArray(steps)) return '';
  return steps
    .map((step) => {
      const head = `${String(step.id)}:${String(step.type)}`;
      // An empty `else` draws like an absent one, so it keys the same.
      const branches = safeBranches(step).filter((branch) => !Array.isArray(branch.steps) || branch.steps.length > 0);
      return branches.length === 0 ? head : `${head}(${branches.map((branch) => `${branch.branch}:${structureKey(branch.steps)}`).join('|')})`;
    })
    .join(',');
}

/**
 * Puts the definition's current names and parameters into already laid-out
 * nodes. Unchanged nodes keep their identity (React Flow skips them); if none
 * changed the same array comes back.
 */
export function refreshNodeData(nodes: DiagramNode[], definition: Pick<WorkflowDefinition, 'steps'>): DiagramNode[] {
  const byId = new Map<string, Step>();
  const collect = (steps: readonly Step[] | undefined): void => {
    for (const step of steps ?? []) {
      if (!byId.has(step.id)) byId.set(step.id, step);
      for (const { steps: children } of safeBranches(step)) collect(children);
    }
  };
  collect(definition.steps);

  let changed = false;
  const next = nodes.map((node) => {
    if (node.type === 'end') return node;
    const step = byId.get(node.data.stepId);
    if (step === undefined) return node;
    const data = step.type === 'loop' ? loopNodeData(step, node.data.loopIds) : stepNodeData(step, node.data.loopIds);
    if (sameNodeData(node.data, data)) return node;
    changed = true;
    return { ...node, data, ariaLabel: nodeAriaLabel(data) } as DiagramNode;
  });
  return changed ? next : nodes;
}

function safeBranches(step: Step): readonly ChildBranch[] {
  try {
    return childBranches(step);
  } catch {
    return [];
  }
}
