import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { StepNode } from '../diagram-types';
import { StepCard } from './StepCard';

/** An approval: a gate the run stops at until someone decides. */
function ApprovalGateNodeComponent({ data }: NodeProps<StepNode<'approval'>>) {
  return <StepCard data={data} variant="gate" tag="Gate" />;
}

export const ApprovalGateNode = memo(ApprovalGateNodeComponent);
ApprovalGateNode.displayName = 'ApprovalGateNode';
