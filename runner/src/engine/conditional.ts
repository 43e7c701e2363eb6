import { evaluateCondition, type ConditionalStep, type Step } from '@weft/shared';
import { runAttempts, type AttemptResult } from './attempts';
import type { BlockOutcome, RunBlock } from './block';
import type { Frame, RunContext } from './context';
import type { StepOutcome } from './outcomes';

export const BRANCH_NOT_TAKEN = 'branch not taken';

/**
 * Evaluates `condition`, marks every step of the other branch skipped (recursively), runs the
 * taken branch in the same scope, and succeeds with `{ branch }`.
 */
export function runConditional({
  ctx,
  step,
  frame,
  runBlock,
  skipSteps,
}: {
  ctx: RunContext;
  step: ConditionalStep;
  frame: Frame;
  runBlock: RunBlock;
  skipSteps: (skip: { steps: readonly Step[]; frame: Frame; reason: string }) => void;
}): Promise<StepOutcome> {
  return runAttempts({
    ctx,
    step,
    frame,
    body: async ({ signal, trace }): Promise<AttemptResult> => {
      // A condition that throws fails the attempt (runAttempts catches it; expressions are not retried).
      const taken = evaluateCondition(step.condition, frame.scope);
      const branch = taken ? 'then' : 'else';
      skipSteps({ steps: taken ? (step.else ?? []) : step.then, frame, reason: BRANCH_NOT_TAKEN });
      const outcome = await runBlock(taken ? step.then : (step.else ?? []), { ...frame, signal, trace });
      return containerResult(outcome, { branch });
    },
  });
}

/** Maps how a container's body ended to the container's own attempt result. */
export function containerResult(outcome: BlockOutcome, output: unknown): AttemptResult {
  switch (outcome.type) {
    case 'completed':
      return { type: 'succeeded', output };
    case 'failed':
      return { type: 'failed', error: { ...outcome.error, message: `step ${describeRef(outcome)} failed: ${outcome.error.message}` }, origin: outcome };
    case 'waiting':
      return { type: 'waiting' };
    case 'stopped':
      return { type: 'interrupted' };
    default: {
      const unexpected: never = outcome;
      throw new Error(`unknown block outcome ${JSON.stringify(unexpected)}`);
    }
  }
}

export function describeRef({ stepId, iterationPath }: { stepId: string; iterationPath: string }): string {
  return iterationPath === '' ? stepId : `${stepId} (${iterationPath})`;
}
