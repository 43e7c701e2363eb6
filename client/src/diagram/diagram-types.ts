import type { Edge, Node } from '@xyflow/react';
import type { StepType } from '@weft/shared';

/** What every step node shows. A `type`, not an `interface`: React Flow needs an index-signature-compatible record. */
export type StepNodeData = {
  stepId: string;
  stepType: StepType;
  /** The step's name, or its id when it has none. */
  title: string;
  /** One-line summary from the catalogue: the command, a prompt excerpt, the URL... */
  keyParam: string;
  /** Enclosing loop ids, outermost first: how a node finds its iteration in runtime mode. */
  loopIds: readonly string[];
  /** Has an `if`: the node says so. */
  conditional: boolean;
};

export type LoopNodeData = StepNodeData & {
  /** The `over` expression, or `[n items]` for an inline array. */
  over: string;
  itemName: string;
};

/** Where branches rejoin when nothing follows them: the end of the workflow or of a loop iteration. */
export type EndNodeData = { label: string };

export type StepNode<T extends StepType = StepType> = Node<StepNodeData, T>;
export type LoopNode = Node<LoopNodeData, 'loop'>;
export type EndNode = Node<EndNodeData, 'end'>;

type LeafStepType = Exclude<StepType, 'loop'>;
export type DiagramNode = { [T in LeafStepType]: StepNode<T> }[LeafStepType] | LoopNode | EndNode;

export type BranchLabel = 'then' | 'else';
export type Point = { x: number; y: number };

/**
 * The route the layout chose, relative to the source handle (bottom centre of the
 * source node): source and target always share a level, so the route survives
 * the level being moved into a loop group.
 */
export type RoutedEdgeData = { waypoints: readonly Point[]; labelAt?: Point };
export type BranchEdge = Edge<RoutedEdgeData & { branch: BranchLabel }, 'branch'>;
export type FlowEdge = Edge<RoutedEdgeData, 'flow'>;
export type DiagramEdge = BranchEdge | FlowEdge;

export type DiagramMode = 'edit' | 'view' | 'runtime';
