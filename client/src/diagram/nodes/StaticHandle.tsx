/**
 * What a `<Handle isConnectable={false}>` renders, without the component. React
 * Flow reads a node's handles from its DOM (`.source` / `.target` and
 * `data-handlepos`), measuring once after the first paint, and nothing here
 * ever connects. A `<Handle>` holds two React Flow store subscriptions, run on
 * every store update: at two handles a node, more than half of all the
 * subscriptions of a large diagram, and much of what a mount spends after its
 * first paint. Same classes, so `.wf-handle` and React Flow's styles still apply.
 * If React Flow stops finding these, edges vanish once it measures: the
 * WorkflowDiagram tests count edges after measuring.
 */
export const TARGET_HANDLE = (
  <div className="react-flow__handle react-flow__handle-top nodrag nopan wf-handle target connectablestart connectableend" data-handlepos="top" />
);
export const SOURCE_HANDLE = (
  <div className="react-flow__handle react-flow__handle-bottom nodrag nopan wf-handle source connectablestart connectableend" data-handlepos="bottom" />
);
