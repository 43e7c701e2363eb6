import { z } from 'zod';
import { DEFAULT_LOOP_ITEM_NAME, RESERVED_SCOPE_NAMES } from '../expressions/scope';
import { ExpressionSource, IDENTIFIER_PATTERN, requiredOr, stepCommonShape, type StepCommon } from './common';
import { excerpt } from './text';
import type { Step, StepCatalogueEntry } from './types';

export const LOOP_DEFAULT_MAX_ITERATIONS = 1000;
export const LOOP_MAX_ITERATIONS_LIMIT = 10_000;

export interface LoopStep extends StepCommon {
  type: 'loop';
  over: string | unknown[];
  as?: string | undefined;
  steps: Step[];
  maxIterations?: number | undefined;
}

const reservedNames: ReadonlySet<string> = new Set(RESERVED_SCOPE_NAMES);

const LoopItemName = z
  .string()
  .regex(IDENTIFIER_PATTERN, { error: 'must be an identifier (letters, digits and _, not starting with a digit)' })
  .refine((name) => !reservedNames.has(name), {
    error: (issue) => `"${String(issue.input)}" is reserved; pick a name other than ${RESERVED_SCOPE_NAMES.join(', ')}`,
  });

/** Built by `step-schema.ts`, which owns the recursive `Step` union this schema nests. */
export function loopStepSchema(step: z.ZodType<Step>) {
  return z
    .strictObject({
      ...stepCommonShape,
      type: z.literal('loop'),
      /** An expression yielding an array, or an inline JSON array (its strings are literal, not templates). */
      over: z.union([ExpressionSource, z.array(z.unknown())], { error: requiredOr('must be an expression string or a JSON array') }),
      as: LoopItemName.optional(),
      steps: z.array(step).min(1),
      maxIterations: z.number().int().min(1).max(LOOP_MAX_ITERATIONS_LIMIT).optional(),
    })
    .superRefine((loop, ctx) => {
      if (!Array.isArray(loop.over)) return;
      const limit = effectiveMaxIterations(loop);
      if (loop.over.length <= limit) return;
      ctx.addIssue({
        code: 'custom',
        message: `"over" has ${loop.over.length} items but maxIterations is ${limit}${loop.maxIterations === undefined ? ' (the default)' : ''}`,
        path: [loop.maxIterations === undefined ? 'over' : 'maxIterations'],
      });
    });
}

export const LoopOutput = z.object({
  count: z.number().int(),
  /** One entry per iteration, in order: each maps a body step id to that step's output in that iteration. */
  results: z.array(z.record(z.string(), z.unknown())),
});
export type LoopOutput = z.infer<typeof LoopOutput>;

export const loopEntry: Omit<StepCatalogueEntry<'loop'>, 'configSchema'> = {
  type: 'loop',
  title: 'Loop',
  description:
    'Runs its `steps` once per element of `over` (an expression yielding an array, or an inline array), one iteration after another. Inside, `item` (or the `as` name) is the element and `loop.index` its 0-based index. After the loop, read `steps.<loop id>.output.results`.',
  outputSchema: LoopOutput,
  example: {
    id: 'each_region',
    type: 'loop',
    over: ['eu-west-1', 'us-east-1'],
    as: 'region',
    steps: [{ id: 'deploy_region', type: 'bash', command: './deploy.sh {{ region }}' }],
  },
  defaultTimeoutSeconds: null,
  container: { branches: ['steps'], nestedScope: 'iteration' },
  keyParam: (step) => `${effectiveLoopItemName(step)} in ${typeof step.over === 'string' ? excerpt(step.over, 60) : `[${step.over.length} items]`}`,
  expressionSites: (step) => (typeof step.over === 'string' ? [{ path: ['over'], kind: 'expression', source: step.over }] : []),
};

export function effectiveLoopItemName(step: Pick<LoopStep, 'as'>): string {
  return step.as ?? DEFAULT_LOOP_ITEM_NAME;
}

export function effectiveMaxIterations(step: Pick<LoopStep, 'maxIterations'>): number {
  return step.maxIterations ?? LOOP_DEFAULT_MAX_ITERATIONS;
}
