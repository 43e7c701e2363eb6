import { Panel, useReactFlow } from '@xyflow/react';
import { useEffect, useId, useState } from 'react';
import { useActiveStepId } from './use-step-display';

/** Runtime-only toggle (off by default) that keeps the running or waiting step in view. */
export function FollowRunningStep() {
  const [follow, setFollow] = useState(false);
  const id = useId();
  return (
    <Panel position="top-right" className="wf-diagram__panel">
      <label className="wf-toggle" htmlFor={id}>
        <input id={id} type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} />
        <span>Follow running step</span>
      </label>
      {follow && <Follower />}
    </Panel>
  );
}

function Follower() {
  const activeStepId = useActiveStepId();
  const { fitView } = useReactFlow();
  useEffect(() => {
    if (activeStepId === null) return;
    void fitView({ nodes: [{ id: activeStepId }], duration: 400, maxZoom: 1, minZoom: 0.5, padding: 0.6 });
  }, [activeStepId, fitView]);
  return null;
}
