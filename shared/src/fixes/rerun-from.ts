import { diffDefinitions } from '../diff/definition-diff';
import { deepEqual } from '../diff/field-diff';
import type { WorkflowDefinition } from '../workflow/schema';
import { walkSteps } from '../workflow/walk';

/** Each step id of `definition` mapped to the index of the top-level step that holds it. */
function topLevelIndexes(definition: Pick<WorkflowDefinition, 'steps'>): Map<string, number> {
  const top = new Map<string, number>();
  walkSteps(definition.steps, ({ step, index, ancestors }) => {
    top.set(step.id, ancestors.length === 0 ? index : top.get(ancestors[0]!.step.id)!);
  });
  return top;
}

/**
 * The top-level step of `after` a fix re-runs from: the one that holds the failed step, or the first
 * top-level step that is not exactly `before`'s in the same place, whichever is earlier — a re-run
 * reuses the results of every step before it, so those must be `before`'s very steps, in place (an
 * added, changed, moved or removed step, or a container a step left or joined, changes the top-level
 * step at its place). A change to the workflow's `inputs` (defaults) may change any step: then the
 * first. Null when `after` has no steps left to run. Approval steps before it (and the containers
 * holding them) are never reused: the re-run asks again at each (`rerun` in executions-service.ts).
 */
export function fixRerunFromStep(before: Pick<WorkflowDefinition, 'steps'>, after: Pick<WorkflowDefinition, 'steps'>, failedStepId: string): string | null {
  if (after.steps.length === 0) return null;
  const inputsChanged = diffDefinitions(before, after).some((c) => c.kind === 'field' && /^inputs(\.|\[|$)/.test(c.path));
  if (inputsChanged) return after.steps[0]!.id;
  const candidates: number[] = [];
  const holder = topLevelIndexes(after).get(failedStepId);
  if (holder !== undefined) candidates.push(holder);
  const differs = after.steps.findIndex((s, i) => !deepEqual(s, before.steps[i]));
  if (differs >= 0) candidates.push(differs);
  return candidates.length === 0 ? null : after.steps[Math.min(...candidates)]!.id;
}
