import type { ContainerStep, Step } from '../steps/types';
import { joinPath } from './path';
import type { WorkflowDefinition } from './schema';

/** Which of a container's step lists holds a nested step. */
export type StepBranch = 'then' | 'else' | 'steps';

export interface StepAncestor {
  readonly step: ContainerStep;
  readonly path: string;
  /** Index of the ancestor within its own list. */
  readonly index: number;
  /** The ancestor's list that leads down to the visited step. */
  readonly branch: StepBranch;
}

export interface StepVisit {
  readonly step: Step;
  /** Like `steps[1].then[0]`. */
  readonly path: string;
  /** Index within the list that holds the step. */
  readonly index: number;
  /** Outermost first; empty for a top-level step. */
  readonly ancestors: readonly StepAncestor[];
}

/** The nested step lists of a step, in document order; empty for non-containers. */
export function childBranches(step: Step): { branch: StepBranch; steps: readonly Step[] }[] {
  switch (step.type) {
    case 'conditional':
      return step.else === undefined
        ? [{ branch: 'then', steps: step.then }]
        : [
            { branch: 'then', steps: step.then },
            { branch: 'else', steps: step.else },
          ];
    case 'loop':
      return [{ branch: 'steps', steps: step.steps }];
    case 'agent_prompt':
    case 'bash':
    case 'notify':
    case 'http':
    case 'approval':
    case 'wait':
    case 'tool':
      return [];
    default: {
      const unexpected: never = step;
      throw new Error(`unknown step type ${JSON.stringify((unexpected as { type?: unknown }).type)}`);
    }
  }
}

/**
 * Visits every step depth-first in document order (a container, then its
 * `then`, `else` or `steps` lists). Returning `false` from `visit` skips that
 * step's nested steps.
 */
export function walkSteps(
  steps: readonly Step[],
  visit: (visit: StepVisit) => void | boolean,
  options: { basePath?: string } = {},
): void {
  walkList(steps, options.basePath ?? 'steps', [], visit);
}

function walkList(
  steps: readonly Step[],
  listPath: string,
  ancestors: readonly StepAncestor[],
  visit: (visit: StepVisit) => void | boolean,
): void {
  steps.forEach((step, index) => {
    const path = `${listPath}[${index}]`;
    if (visit({ step, path, index, ancestors }) === false) return;
    if (step.type !== 'conditional' && step.type !== 'loop') return;
    for (const { branch, steps: children } of childBranches(step)) {
      walkList(children, joinPath(path, [branch]), [...ancestors, { step, path, index, branch }], visit);
    }
  });
}

export function findStep(definition: Pick<WorkflowDefinition, 'steps'>, id: string): StepVisit | null {
  let found: StepVisit | null = null;
  walkSteps(definition.steps, (visit) => {
    if (found !== null) return false;
    if (visit.step.id === id) found = visit;
    return found === null;
  });
  return found;
}

/** Every step id in document order, nested steps included. */
export function allStepIds(definition: Pick<WorkflowDefinition, 'steps'>): string[] {
  const ids: string[] = [];
  walkSteps(definition.steps, ({ step }) => {
    ids.push(step.id);
  });
  return ids;
}
