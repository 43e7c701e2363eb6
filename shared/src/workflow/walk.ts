import { STEP_CATALOGUE, STEP_TYPES } from '../steps/catalogue';
import type { ContainerStep, Step, StepBranch } from '../steps/types';
import { joinPath } from './path';
import type { WorkflowDefinition } from './schema';

// The one place that knows how steps nest: every walk over nested steps (here, in the server,
// the runner and the client) goes through `childBranches`, which reads the catalogue's
// `container` entries, so a new container type is declared in its catalogue entry only.

/** One nested step list of a container. */
export interface ChildBranch {
  readonly branch: StepBranch;
  readonly steps: readonly Step[];
}

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

type Nesting = { readonly branches: readonly StepBranch[]; readonly iterates: boolean };

// Read from the catalogue once: walks run on every validation and every diagram layout, and a map
// lookup keeps them about as cheap as the type checks this replaced.
const NESTING: ReadonlyMap<string, Nesting> = new Map(
  STEP_TYPES.map((type) => {
    const container = STEP_CATALOGUE[type].container;
    return [type, { branches: container?.branches ?? [], iterates: container?.nestedScope === 'iteration' }];
  }),
);
const NO_BRANCHES: readonly ChildBranch[] = Object.freeze([]);

/**
 * The fields of step type `type` that hold nested steps, in document order. Takes any value, for
 * JSON not yet validated: an unknown type holds none.
 */
export function childBranchFields(type: unknown): readonly StepBranch[] {
  return (typeof type === 'string' ? NESTING.get(type)?.branches : undefined) ?? [];
}

/** Whether steps of type `type` hold nested steps; takes any value, like `childBranchFields`. */
export function isContainerType(type: unknown): boolean {
  return childBranchFields(type).length > 0;
}

export function isContainer(step: Step): step is ContainerStep {
  return isContainerType(step.type);
}

/**
 * Whether the outputs of `step`'s nested steps live in each iteration's own scope (a loop)
 * rather than in the scope the step itself runs in (a conditional). False for non-containers.
 */
export function hasIterationScope(step: Step): boolean {
  return NESTING.get(step.type)?.iterates ?? false;
}

/**
 * The nested step lists of a step, in document order; empty for non-containers and for types
 * the catalogue does not know (a stored definition older than today's schema is still drawn).
 */
export function childBranches(step: Step): readonly ChildBranch[] {
  const branches = childBranchFields(step.type);
  // Most steps are leaves: no array is built for them on every walk.
  if (branches.length === 0) return NO_BRANCHES;
  // The catalogue names fields of this very type, whose values are step lists.
  const fields = step as unknown as Partial<Record<StepBranch, readonly Step[]>>;
  const present: ChildBranch[] = [];
  for (const branch of branches) {
    const steps = fields[branch];
    if (steps !== undefined) present.push({ branch, steps });
  }
  return present;
}

/**
 * `step` with each nested list replaced by `map(list, branch)`: a copy whose keys keep their
 * order, or `step` itself when it holds no nested steps.
 */
export function mapChildSteps(step: Step, map: (steps: readonly Step[], branch: StepBranch) => Step[]): Step;
export function mapChildSteps(step: Step, map: (steps: readonly Step[], branch: StepBranch) => unknown[]): unknown;
export function mapChildSteps(step: Step, map: (steps: readonly Step[], branch: StepBranch) => unknown[]): unknown {
  const branches = childBranches(step);
  if (branches.length === 0) return step;
  const copy: Record<string, unknown> = { ...step };
  for (const { branch, steps } of branches) copy[branch] = map(steps, branch);
  return copy;
}

/** `steps` with the step `id` replaced by `replacement`, at any depth; the containers above it are copied. */
export function replaceStep(steps: readonly Step[], id: string, replacement: Step): Step[] {
  return steps.map((step) => (step.id === id ? replacement : mapChildSteps(step, (children) => replaceStep(children, id, replacement))));
}

/**
 * Visits every step depth-first in document order (a container, then its
 * nested lists in their catalogue order). Returning `false` from `visit` skips
 * that step's nested steps.
 */
export function walkSteps(
  steps: readonly Step[],
  // biome-ignore lint/suspicious/noConfusingVoidType: a visitor returns nothing, or false to skip the step's children
  visit: (visit: StepVisit) => void | boolean,
  options: { basePath?: string } = {},
): void {
  walkList(steps, options.basePath ?? 'steps', [], visit);
}

function walkList(
  steps: readonly Step[],
  listPath: string,
  ancestors: readonly StepAncestor[],
  // biome-ignore lint/suspicious/noConfusingVoidType: as walkSteps
  visit: (visit: StepVisit) => void | boolean,
): void {
  steps.forEach((step, index) => {
    const path = `${listPath}[${index}]`;
    if (visit({ step, path, index, ancestors }) === false) return;
    const branches = childBranches(step);
    if (branches.length === 0) return;
    // Only containers have branches.
    for (const { branch, steps: children } of branches) {
      walkList(children, joinPath(path, [branch]), [...ancestors, { step: step as ContainerStep, path, index, branch }], visit);
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

/** Every step in document order, nested steps included. */
export function flattenSteps(steps: readonly Step[]): Step[] {
  const all: Step[] = [];
  walkSteps(steps, ({ step }) => {
    all.push(step);
  });
  return all;
}

/** Every step id in document order, nested steps included. */
export function allStepIds(definition: Pick<WorkflowDefinition, 'steps'>): string[] {
  return flattenSteps(definition.steps).map((step) => step.id);
}

/** The step's own fields, without the lists of steps nested in it. */
export function withoutChildSteps(step: Step): Record<string, unknown> {
  const nested: readonly string[] = childBranchFields(step.type);
  return Object.fromEntries(Object.entries(step).filter(([key]) => !nested.includes(key)));
}
