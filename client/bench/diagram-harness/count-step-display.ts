/**
 * Stands in for `src/diagram/use-step-display` in the harness build (see the resolver plugin in
 * `../diagram-bench.ts`): identical, except that `useStepDisplay` also counts its calls per step.
 * Every step node calls it exactly once per render (the component tests count renders the same
 * way), so this counts node renders. Cost: one Map update per node render.
 */
import * as actual from '../../src/diagram/use-step-display';

export * from '../../src/diagram/use-step-display';

export const nodeRenders = new Map<string, number>();

export function useStepDisplay(stepId: string, loopIds: readonly string[]) {
  nodeRenders.set(stepId, (nodeRenders.get(stepId) ?? 0) + 1);
  return actual.useStepDisplay(stepId, loopIds);
}
