import { childBranches, enterLoopScope, hasIterationScope, type ExpressionScope, type LeaseGrant, type Step } from '@weft/shared';

export function createRootScope(grant: Pick<LeaseGrant, 'inputs' | 'trigger'>): ExpressionScope {
  return { inputs: grant.inputs, steps: {}, trigger: grant.trigger ?? null };
}

export function recordStep(scope: ExpressionScope, stepId: string, entry: { output: unknown; status: string }): void {
  scope.steps[stepId] = { output: entry.output === undefined ? null : entry.output, status: entry.status };
}

/**
 * One iteration's scope: the outer names plus `item`/`as` and `loop.index`, with its own `steps`
 * table so body outputs of one iteration never leak into the next or out of the loop.
 */
export function iterationScope({ scope, as, item, index }: { scope: ExpressionScope; as: string; item: unknown; index: number }): ExpressionScope {
  return enterLoopScope({ scope: { ...scope, steps: { ...scope.steps } }, as, item, index });
}

/** `outer[1]` + `inner`, 0 -> `outer[1]/inner[0]`. */
export function childIterationPath({ parent, loopId, index }: { parent: string; loopId: string; index: number }): string {
  const own = `${loopId}[${index}]`;
  return parent === '' ? own : `${parent}/${own}`;
}

/**
 * Ids of the steps whose outputs belong to one loop iteration: the body, including steps inside
 * conditionals, but not the bodies of nested loops (those live in the nested loop's own output).
 */
export function iterationStepIds(steps: readonly Step[]): string[] {
  const ids: string[] = [];
  const visit = (list: readonly Step[]) => {
    for (const step of list) {
      ids.push(step.id);
      if (hasIterationScope(step)) continue;
      for (const branch of childBranches(step)) visit(branch.steps);
    }
  };
  visit(steps);
  return ids;
}
