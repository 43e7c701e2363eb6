import type { ComponentType } from 'react';
import type { EdgeTypes, NodeProps, NodeTypes } from '@xyflow/react';
import { STEP_TYPES, type StepType } from '@weft/shared';
import type { LoopNode, StepNode } from './diagram-types';
import { ApprovalGateNode } from './nodes/ApprovalGateNode';
import { DecisionNode } from './nodes/DecisionNode';
import { EndNode } from './nodes/EndNode';
import { LeafNode } from './nodes/LeafNode';
import { LoopGroupNode } from './nodes/LoopGroupNode';
import { RoutedEdge } from './edges/RoutedEdge';

type NodeComponentFor<T extends StepType> = ComponentType<NodeProps<T extends 'loop' ? LoopNode : StepNode<T>>>;

/** One component per step type; a new type in the catalogue is a compile error here until it has one. */
const STEP_NODE_COMPONENTS: { readonly [T in StepType]: NodeComponentFor<T> } = {
  agent_prompt: LeafNode,
  bash: LeafNode,
  notify: LeafNode,
  http: LeafNode,
  tool: LeafNode,
  wait: LeafNode,
  conditional: DecisionNode,
  loop: LoopGroupNode,
  approval: ApprovalGateNode,
};

/** Module-level and built once, so React Flow never sees a new object. */
export const nodeTypes: NodeTypes = {
  ...Object.fromEntries(STEP_TYPES.map((type) => [type, STEP_NODE_COMPONENTS[type]])),
  end: EndNode,
};

export const edgeTypes: EdgeTypes = { flow: RoutedEdge, branch: RoutedEdge };
