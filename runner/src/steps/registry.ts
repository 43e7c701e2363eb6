import type { StepOfType } from '@weft/shared';
import { bashStep } from './bash';
import { httpStep } from './http';
import { notifyStep } from './notify';
import type { AnyStepHandler, LeafStepType, StepContext } from './types';

export interface StepRegistry {
  has(type: LeafStepType): boolean;
  /** Runs `step` with the handler registered for its type. */
  run(ctx: StepContext, step: StepOfType<LeafStepType>): Promise<unknown>;
  types(): LeafStepType[];
}

/** The step types this runner ships. `agent_prompt` plugs in by adding its handler to this list. */
export const BUILTIN_STEP_HANDLERS: readonly AnyStepHandler[] = [bashStep, notifyStep, httpStep];

export function createStepRegistry(handlers: readonly AnyStepHandler[] = BUILTIN_STEP_HANDLERS): StepRegistry {
  const byType = new Map<LeafStepType, AnyStepHandler>();
  for (const handler of handlers) {
    if (byType.has(handler.type)) throw new Error(`step type ${handler.type} is registered twice`);
    byType.set(handler.type, handler);
  }
  return {
    has: (type) => byType.has(type),
    run(ctx: StepContext, step: StepOfType<LeafStepType>): Promise<unknown> {
      const handler = byType.get(step.type);
      if (!handler) return Promise.reject(new Error(`step type ${step.type} is not registered`));
      // The map is keyed by `handler.type`, so the handler matches `step`; TypeScript cannot correlate the two.
      return (handler as unknown as { run(ctx: StepContext, step: StepOfType<LeafStepType>): Promise<unknown> }).run(ctx, step);
    },
    types: () => [...byType.keys()],
  };
}
