import type { CompletedStep, LeaseGrant } from '@weft/shared';

let counter = 0;

/** A lease grant for a definition, with everything else defaulted. */
export function makeGrant(definition: unknown, overrides: Partial<LeaseGrant> = {}): LeaseGrant {
  counter++;
  return {
    executionId: `exe_test${counter}`,
    attempt: 1,
    leaseMs: 15_000,
    workflowId: 'wf_test',
    workflowVersion: 1,
    definition,
    inputs: {},
    trigger: { type: 'manual' },
    sessionId: null,
    completed: [] as CompletedStep[],
    stepAttempts: {},
    policy: { allowBash: true },
    checkpoints: [],
    workspaces: [],
    ...overrides,
  };
}

/** `{ name, steps }` shorthand. */
export function workflow(steps: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { name: 'test workflow', steps, ...extra };
}
