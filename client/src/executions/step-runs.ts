import { findStep, type StepRun, walkSteps, type WorkflowDefinition } from '@weft/shared';
import { stepTitle } from '../diagram/node-data';
import { parseIterationPath } from '../store/step-status-store';

/**
 * `each[1]` -> `Each region #2 · us-east` (the loop's name, the iteration's number, and its item when
 * the loop runs over an inline list of plain values); nested loops joined with ` › `. Empty outside loops.
 */
export function describeIteration(path: string, definition?: Pick<WorkflowDefinition, 'steps'> | null): string {
  return parseIterationPath(path)
    .map(({ loopId, index }) => {
      const loop = definition ? findStep(definition, loopId)?.step : undefined;
      const item = loop?.type === 'loop' && Array.isArray(loop.over) ? (loop.over as unknown[])[index] : undefined;
      const itemText = typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? ` · ${String(item)}` : '';
      return `${loop ? stepTitle(loop) : loopId} #${index + 1}${itemText}`;
    })
    .join(' › ');
}

/** Every step's title by id, in one walk of the definition (for lists that name many steps: not a search per row). */
export function stepTitles(definition: Pick<WorkflowDefinition, 'steps'> | null | undefined): Map<string, string> {
  const titles = new Map<string, string>();
  if (definition) walkSteps(definition.steps, ({ step }) => void titles.set(step.id, stepTitle(step)));
  return titles;
}

/** The step's name from the definition, or its id. */
export function stepName(definition: Pick<WorkflowDefinition, 'steps'> | null | undefined, stepId: string): string {
  if (!definition) return stepId;
  const visit = findStep(definition, stepId);
  return visit === null ? stepId : stepTitle(visit.step);
}

export function stepTypeOf(definition: Pick<WorkflowDefinition, 'steps'> | null | undefined, stepId: string): string | undefined {
  if (!definition) return undefined;
  return findStep(definition, stepId)?.step.type;
}

export const instanceKey = (run: Pick<StepRun, 'stepId' | 'iterationPath'>) => `${run.stepId}\u0000${run.iterationPath}`;

/** A finished attempt wins over an unfinished one of the same number: a late `running` never reopens it. */
export function isNewerRun(next: { attempt: number; status: string }, current: { attempt: number; status: string }): boolean {
  if (next.attempt !== current.attempt) return next.attempt > current.attempt;
  const open = (s: string) => s === 'pending' || s === 'running' || s === 'waiting';
  return !(open(next.status) && !open(current.status));
}

/** The latest attempt of every step instance, in first-seen order. */
export function latestRuns<T extends Pick<StepRun, 'stepId' | 'iterationPath' | 'attempt' | 'status'>>(runs: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const run of runs) {
    const key = instanceKey(run);
    const current = latest.get(key);
    if (current === undefined || isNewerRun(run, current)) latest.set(key, run);
  }
  return [...latest.values()];
}

/** `{ stepId, count }` per step that succeeded so far, in order: what an approver should know ran. */
export function succeededSoFar(runs: readonly StepRun[], except?: string): { stepId: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const run of latestRuns(runs)) {
    if (run.status !== 'succeeded' || run.stepId === except) continue;
    counts.set(run.stepId, (counts.get(run.stepId) ?? 0) + 1);
  }
  return [...counts].map(([stepId, count]) => ({ stepId, count }));
}
