import { stepExpressionSites } from '../steps/helpers';
import type { WorkflowDefinition } from '../workflow/schema';
import { siteReferences } from '../workflow/references';
import { findStep } from '../workflow/walk';

/**
 * The steps whose output `stepId` reads (`steps.<id>` in any of its own expressions and
 * templates), in the order it first names them: what fed a failed step. Unknown ids, and the step
 * itself, are left out; a step it contains is not a feeder (containers read their children's
 * results through their own output).
 */
export function fixFeederIds(definition: Pick<WorkflowDefinition, 'steps'>, stepId: string): string[] {
  const visit = findStep(definition, stepId);
  if (!visit) return [];
  const ids: string[] = [];
  for (const site of stepExpressionSites(visit.step)) {
    for (const ref of siteReferences(site)) {
      if (ref.stepId === undefined || ref.stepId === stepId || ids.includes(ref.stepId)) continue;
      if (findStep(definition, ref.stepId)) ids.push(ref.stepId);
    }
  }
  return ids;
}
