import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { StepNode } from '../diagram-types';
import { StepCard } from './StepCard';

/** A step without children: prompt, command, notification, request, wait. */
function LeafNodeComponent({ data }: NodeProps<StepNode<'agent_prompt' | 'bash' | 'notify' | 'http' | 'tool' | 'wait'>>) {
  return <StepCard data={data} variant="card" />;
}

export const LeafNode = memo(LeafNodeComponent);
LeafNode.displayName = 'LeafNode';
