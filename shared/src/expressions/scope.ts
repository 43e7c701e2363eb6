/** What a step's entry under `steps` holds while a run is in progress. */
export interface StepScopeEntry {
  /** The step's output once it has finished, else null. Shapes: the catalogue's `outputSchema`. */
  output: unknown;
  /** Run status as the runner reports it (e.g. `succeeded`, `failed`, `skipped`). */
  status: string;
}

export interface LoopScope {
  /** 0-based index of the current iteration of the innermost loop. */
  index: number;
}

/**
 * The names an expression can read. Built by the runner; every value must be
 * plain JSON data. Inside a loop body, `item` and the loop's `as` name (when it
 * differs) hold the current element and `loop` the innermost loop's position;
 * an outer loop's element stays readable under its own `as` name.
 */
export interface ExpressionScope {
  inputs: Record<string, unknown>;
  steps: Record<string, StepScopeEntry>;
  trigger: unknown;
  item?: unknown;
  loop?: LoopScope;
  [asName: string]: unknown;
}

export const RESERVED_SCOPE_NAMES = ['inputs', 'steps', 'trigger', 'loop'] as const;
export const DEFAULT_LOOP_ITEM_NAME = 'item';

/** The scope for one iteration of a loop body; never mutates `scope`. */
export function enterLoopScope({
  scope,
  as = DEFAULT_LOOP_ITEM_NAME,
  item,
  index,
}: {
  scope: ExpressionScope;
  as?: string;
  item: unknown;
  index: number;
}): ExpressionScope {
  return { ...scope, item, [as]: item, loop: { index } };
}
