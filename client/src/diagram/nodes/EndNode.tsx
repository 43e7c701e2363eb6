import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { EndNode as EndNodeType } from '../diagram-types';
import { TARGET_HANDLE } from './StaticHandle';

/** Where branches rejoin when no step follows them. */
function EndNodeComponent({ data }: NodeProps<EndNodeType>) {
  return (
    <div className="wf-end">
      {TARGET_HANDLE}
      {data.label}
    </div>
  );
}

export const EndNode = memo(EndNodeComponent);
EndNode.displayName = 'EndNode';
