import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { StepNode } from '../diagram-types';
import { StepCard } from './StepCard';

/** A conditional: a hexagonal decision whose outgoing edges are labelled `then` and `else`. */
function DecisionNodeComponent({ data }: NodeProps<StepNode<'conditional'>>) {
  return <StepCard data={data} variant="decision" />;
}

export const DecisionNode = memo(DecisionNodeComponent);
DecisionNode.displayName = 'DecisionNode';
