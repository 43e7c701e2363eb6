import { jsonEqual, mapChildSteps, walkSteps, type Step, type StepVisit, type WorkflowDefinition } from '@weft/shared';

export type StepScopeResult = { ok: true } | { ok: false; errors: { path: string; message: string }[] };

/** Stands in for the edited step, so comparing its ancestors ignores what changed inside it. */
function masked(step: Step, stepId: string): unknown {
  if (step.id === stepId) return { id: stepId, '(edited)': true };
  return mapChildSteps(step, (steps) => steps.map((child) => masked(child, stepId)));
}

function visitsById(definition: Pick<WorkflowDefinition, 'steps'>): Map<string, StepVisit> {
  const visits = new Map<string, StepVisit>();
  walkSteps(definition.steps, (visit) => {
    if (!visits.has(visit.step.id)) visits.set(visit.step.id, visit);
  });
  return visits;
}

const insideEdited = (visit: StepVisit, stepId: string): boolean => visit.ancestors.some((ancestor) => ancestor.step.id === stepId);

/** Where a step sits relative to its container, so a moved loop does not also report each nested step. */
function placeOf(visit: StepVisit): string {
  const parent = visit.ancestors.at(-1);
  return `${parent?.step.id ?? ''}/${parent?.branch ?? ''}/${visit.index}`;
}

/**
 * Checks that `after` differs from `before` only in step `stepId`: every
 * top-level field and every other step (found by id, anywhere in the tree) is
 * deep-equal, and the edited step keeps its id and its place. Steps nested in
 * the edited step belong to it: they may be added, but existing ones must stay.
 */
export function checkStepScopedEdit(before: WorkflowDefinition, after: WorkflowDefinition, stepId: string): StepScopeResult {
  const errors: { path: string; message: string }[] = [];
  const only = `only \`${stepId}\` may change`;
  const beforeFields = before as Record<string, unknown>;
  const afterFields = after as Record<string, unknown>;
  for (const field of new Set([...Object.keys(beforeFields), ...Object.keys(afterFields)])) {
    if (field === 'steps') continue;
    if (!jsonEqual(beforeFields[field], afterFields[field])) errors.push({ path: field, message: `field \`${field}\` changed; ${only}` });
  }

  const beforeSteps = visitsById(before);
  const afterSteps = visitsById(after);
  const edited = beforeSteps.get(stepId);
  if (edited === undefined) return { ok: false, errors: [...errors, { path: '', message: `there is no step \`${stepId}\` to edit` }] };
  const editedAfter = afterSteps.get(stepId);
  if (editedAfter === undefined) {
    errors.push({ path: edited.path, message: `step \`${stepId}\` was removed or lost its id; it must keep id \`${stepId}\`` });
  } else if (placeOf(editedAfter) !== placeOf(edited)) {
    errors.push({ path: editedAfter.path, message: `step \`${stepId}\` moved from ${edited.path} to ${editedAfter.path}; it must stay in place` });
  }

  for (const [id, visit] of beforeSteps) {
    if (id === stepId) continue;
    const other = afterSteps.get(id);
    if (other === undefined) {
      errors.push({ path: visit.path, message: `step \`${id}\` was removed; ${only}` });
    } else if (!jsonEqual(masked(visit.step, stepId), masked(other.step, stepId))) {
      errors.push({ path: visit.path, message: `step \`${id}\` changed; ${only}` });
    } else if (placeOf(other) !== placeOf(visit) && !insideEdited(visit, stepId)) {
      errors.push({ path: other.path, message: `step \`${id}\` moved from ${visit.path} to ${other.path}; ${only}` });
    }
  }
  for (const [id, visit] of afterSteps) {
    if (!beforeSteps.has(id) && !insideEdited(visit, stepId)) errors.push({ path: visit.path, message: `step \`${id}\` was added; ${only}` });
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}
