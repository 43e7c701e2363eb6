import { z } from 'zod';
import { ExpressionSource, stepCommonShape, type StepCommon } from './common';
import { excerpt } from './text';
import type { Step, StepCatalogueEntry } from './types';

export interface ConditionalStep extends StepCommon {
  type: 'conditional';
  condition: string;
  then: Step[];
  else?: Step[] | undefined;
}

/** Built by `step-schema.ts`, which owns the recursive `Step` union this schema nests. */
export function conditionalStepSchema(step: z.ZodType<Step>) {
  return z.strictObject({
    ...stepCommonShape,
    type: z.literal('conditional'),
    condition: ExpressionSource,
    then: z.array(step).min(1),
    else: z.array(step).optional(),
  });
}

export const ConditionalOutput = z.object({ branch: z.enum(['then', 'else']) });
export type ConditionalOutput = z.infer<typeof ConditionalOutput>;

export const conditionalEntry: Omit<StepCatalogueEntry<'conditional'>, 'configSchema'> = {
  type: 'conditional',
  title: 'Condition',
  description:
    'Evaluates `condition` (an expression) and runs the `then` steps when it is truthy, else the `else` steps (if any). Steps after the conditional may read steps from either branch; the branch that did not run reads as null.',
  outputSchema: ConditionalOutput,
  example: {
    id: 'check_env',
    type: 'conditional',
    condition: 'inputs.environment == "production"',
    then: [{ id: 'ask', type: 'approval', message: 'Deploy to production?' }],
    else: [{ id: 'tell', type: 'notify', message: 'Deploying to {{ inputs.environment }}' }],
  },
  defaultTimeoutSeconds: null,
  container: { branches: ['then', 'else'], nestedScope: 'container' },
  keyParam: (step) => excerpt(step.condition),
  expressionSites: (step) => [{ path: ['condition'], kind: 'expression', source: step.condition }],
};
