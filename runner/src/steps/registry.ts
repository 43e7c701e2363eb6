import type { StepOfType } from '@weft/shared';
import type { OutboundClient } from '../net/outbound-client';
import { createBashStep, type StepEnvironment } from './bash';
import { createHttpStep } from './http';
import { createNotifyStep } from './notify';
import type { AnyStepHandler, LeafStepType, StepContext } from './types';

export interface StepRegistry {
  has(type: LeafStepType): boolean;
  /** Runs `step` with the handler registered for its type. */
  run(ctx: StepContext, step: StepOfType<LeafStepType>): Promise<unknown>;
  types(): LeafStepType[];
}

/**
 * The step types this runner ships that need nothing but the runner's settings: the base
 * environment of step processes and the outbound client for URLs from workflow content.
 * `agent_prompt` and `tool` plug in by adding their handlers to this list.
 */
export function builtinStepHandlers({ environment, outbound, runnerName }: { environment: StepEnvironment; outbound: OutboundClient; runnerName: string }): AnyStepHandler[] {
  return [createBashStep({ environment, runnerName }), createNotifyStep({ outbound }), createHttpStep({ outbound })];
}

export function createStepRegistry(handlers: readonly AnyStepHandler[]): StepRegistry {
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
