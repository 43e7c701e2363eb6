import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { EndNode as EndNodeType } from '../diagram-types';

/** Where branches rejoin when no step follows them. */
function EndNodeComponent({ data }: NodeProps<EndNodeType>) {
  return (
    <div className="wf-end">
      <Handle type="target" position={Position.Top} isConnectable={false} className="wf-handle" />
      {data.label}
    </div>
  );
}

export const EndNode = memo(EndNodeComponent);
EndNode.displayName = 'EndNode';
