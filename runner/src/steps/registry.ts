import type { StepOfType } from '@weft/shared';
import { NonRetriableStepError } from '../engine/errors';
import type { OutboundClient } from '../net/outbound-client';
import type { WorkspaceManager } from '../workspace/types';
import { createBashStep, type StepEnvironment } from './bash';
import type { Sandbox } from './sandbox';
import { createHttpStep } from './http';
import { createNotifyStep, type Notifier } from './notify';
import type { LeafStepType, StepContext, StepHandlers } from './types';

export interface StepRegistry {
  /** Runs `step` with the handler for its type. */
  run(ctx: StepContext, step: StepOfType<LeafStepType>): Promise<unknown>;
}

/**
 * The step types this runner ships that need only the runner's settings (the base environment of
 * step processes, the outbound client for URLs from workflow content) and, for notify, the
 * server's delivery. `main.ts` adds `agent_prompt` and `tool`, which need the model and the server's tools.
 */
export function builtinStepHandlers({
  environment,
  sandbox,
  outbound,
  runnerName,
  notifier,
  workspaces,
}: {
  environment: StepEnvironment;
  /** Where bash steps' processes run (`resolveSandbox`); none when not given. */
  sandbox?: Sandbox;
  outbound: OutboundClient;
  runnerName: string;
  notifier: Notifier;
  workspaces?: WorkspaceManager;
}): Pick<StepHandlers, 'bash' | 'notify' | 'http'> {
  return {
    bash: createBashStep({ environment, runnerName, ...(sandbox ? { sandbox } : {}), ...(workspaces ? { workspaces } : {}) }),
    notify: createNotifyStep({ outbound, notifier }),
    http: createHttpStep({ outbound }),
  };
}

/** `handlers` has one entry per leaf step type (the compiler checks it), so every step has a handler. */
export function createStepRegistry(handlers: StepHandlers): StepRegistry {
  return {
    run(ctx: StepContext, step: StepOfType<LeafStepType>): Promise<unknown> {
      // `handlers[step.type]` is the handler for `step`'s type; TypeScript cannot correlate the two.
      const handler = handlers[step.type] as unknown as { run(ctx: StepContext, step: StepOfType<LeafStepType>): Promise<unknown> } | undefined;
      // A server newer than this runner may hand it a step type it does not ship.
      if (!handler) return Promise.reject(new NonRetriableStepError(`this runner cannot run steps of type ${step.type}`, { code: 'step_type_unavailable' }));
      return handler.run(ctx, step);
    },
  };
}
