import { diffDefinitions } from '../diff/definition-diff';
import { summarizeDefinitionDiff } from '../diff/definition-summary';
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
 * The top-level step of `after` a fix re-runs from: the one that holds the failed step, or an
 * earlier one the fix added, changed or moved — a re-run reuses the results of every step before
 * it, and a result of a step the fix changed must not be reused: the top-level steps before the
 * answer are exactly those of `before`, in the same places (a container a step left counts as changed). A change to the workflow's
 * `inputs` (defaults) may change any step: then the first. Null when `after` has no steps left to run.
 */
export function fixRerunFromStep(before: Pick<WorkflowDefinition, 'steps'>, after: Pick<WorkflowDefinition, 'steps'>, failedStepId: string): string | null {
  const top = topLevelIndexes(after);
  if (after.steps.length === 0) return null;
  const inputsChanged = diffDefinitions(before, after).some((c) => c.kind === 'field' && /^inputs(\.|\[|$)/.test(c.path));
  if (inputsChanged) return after.steps[0]!.id;
  const diff = summarizeDefinitionDiff(before, after);
  const candidates = [failedStepId, ...diff.added, ...diff.changed.map((c) => c.id), ...diff.moved]
    .map((id) => top.get(id))
    .filter((i): i is number => i !== undefined);
  // A removed step changes what follows it: its old place in `before` maps to the next kept step.
  const beforeTop = topLevelIndexes(before);
  for (const id of diff.removed) {
    const at = beforeTop.get(id);
    if (at === undefined) continue;
    const next = before.steps.slice(at).find((s) => s.id !== id && top.has(s.id));
    candidates.push(next ? top.get(next.id)! : after.steps.length);
  }
  // Whatever the id-based diff names, a reused result must come from the very same top-level step in
  // the same place: a step moved out of (or into) an earlier container changes that container too.
  const differs = after.steps.findIndex((s, i) => !deepEqual(s, before.steps[i]));
  if (differs >= 0) candidates.push(differs);
  if (candidates.length === 0) return null;
  const first = Math.min(...candidates);
  if (first >= after.steps.length) return null;
  return after.steps[first]!.id;
}
