import { effectiveLoopItemName, effectiveMaxIterations, evaluateExpression, type LoopStep } from '@weft/shared';
import { runAttempts, type AttemptResult } from './attempts';
import type { RunBlock } from './block';
import { containerResult } from './conditional';
import type { Frame, RunContext } from './context';
import { NonRetriableStepError } from './errors';
import type { StepOutcome } from './outcomes';
import { childIterationPath, iterationScope, iterationStepIds } from './scope';

/**
 * Runs the body once per element of `over`, one iteration after another, each with its own
 * iteration path (`loop[i]`, nested `outer[1]/inner[0]`) and scope (`item` or the `as` name,
 * `loop.index`). Output: `{ count, results: [{ <stepId>: output, ... } per iteration] }`.
 */
export function runLoop({ ctx, step, frame, runBlock }: { ctx: RunContext; step: LoopStep; frame: Frame; runBlock: RunBlock }): Promise<StepOutcome> {
  return runAttempts({
    ctx,
    step,
    frame,
    body: async ({ signal, trace }): Promise<AttemptResult> => {
      // An expression that throws fails the attempt (runAttempts catches it; expressions are not retried).
      const items = typeof step.over === 'string' ? evaluateExpression(step.over, frame.scope) : step.over;
      if (!Array.isArray(items)) {
        const source = typeof step.over === 'string' ? `"${step.over}"` : 'over';
        return {
          type: 'failed',
          error: new NonRetriableStepError(`loop ${step.id}: ${source} must evaluate to an array, got ${describeType(items)}`, { code: 'loop_not_array' }),
        };
      }
      const max = effectiveMaxIterations(step);
      if (items.length > max) {
        return {
          type: 'failed',
          error: new NonRetriableStepError(`loop ${step.id}: ${items.length} items exceed maxIterations (${max})`, { code: 'loop_too_many_iterations' }),
        };
      }
      const as = effectiveLoopItemName(step);
      const ids = iterationStepIds(step.steps);
      const results: Record<string, unknown>[] = [];
      for (const [index, item] of items.entries()) {
        const scope = iterationScope({ scope: frame.scope, as, item, index });
        const outcome = await runBlock(step.steps, {
          scope,
          iterationPath: childIterationPath({ parent: frame.iterationPath, loopId: step.id, index }),
          signal,
          trace,
        });
        if (outcome.type !== 'completed') return containerResult(outcome, null);
        results.push(Object.fromEntries(ids.map((id) => [id, scope.steps[id]?.output ?? null])));
      }
      return { type: 'succeeded', output: { count: items.length, results } };
    },
  });
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
