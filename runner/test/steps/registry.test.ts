import { describe, expect, it } from 'vitest';
import { NonRetriableStepError } from '../../src/engine/errors';
import { createStepRegistry } from '../../src/steps/registry';
import type { LeafStepType, StepHandler, StepHandlers } from '../../src/steps/types';
import { stepContext } from '../helpers/step-context';

/** A handler that answers with its own type, so a test sees which one ran. */
const answering = <T extends LeafStepType>(type: T): StepHandler<T> => ({ type, run: () => Promise.resolve({ ranBy: type }) });

const handlers: StepHandlers = {
  agent_prompt: answering('agent_prompt'),
  bash: answering('bash'),
  notify: answering('notify'),
  http: answering('http'),
  tool: answering('tool'),
};

describe('createStepRegistry', () => {
  it('runs each step with the handler registered for its type', async () => {
    const registry = createStepRegistry(handlers);
    await expect(registry.run(stepContext(), { id: 'a', type: 'tool', tool: 'workflows:list' })).resolves.toEqual({ ranBy: 'tool' });
    await expect(registry.run(stepContext(), { id: 'b', type: 'bash', command: 'true' })).resolves.toEqual({ ranBy: 'bash' });
  });

  it('needs a handler for every leaf step type: a missing one does not compile (checked by `pnpm typecheck`)', () => {
    const { tool: _tool, ...withoutTool } = handlers;
    // @ts-expect-error `tool` has no handler
    const registry = createStepRegistry(withoutTool);
    expect(registry).toBeDefined();
  });

  it('fails a step of a type this runner does not ship as not retriable, with code step_type_unavailable', async () => {
    const { tool: _tool, ...withoutTool } = handlers;
    // A server newer than the runner can send a type the runner's build lacks.
    const registry = createStepRegistry(withoutTool as StepHandlers);
    const failure = await registry.run(stepContext(), { id: 'a', type: 'tool', tool: 'workflows:list' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(NonRetriableStepError);
    expect(failure).toMatchObject({ code: 'step_type_unavailable', message: expect.stringContaining('tool') });
  });
});
