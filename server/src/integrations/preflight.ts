import { CONNECTED_STATUSES, toolIntegration, walkSteps, type UnavailableIntegration, type WorkflowDefinition } from '@weft/shared';
import { AppError } from '../http/errors';
import type { IntegrationsRepository } from './integrations-repository';

/** What a workflow needs: its `requires`, plus the integration of every `tool` step (the built-in `workflows:` aside). */
export function requiredIntegrations(definition: Pick<WorkflowDefinition, 'requires' | 'steps'>): string[] {
  const names = new Set(definition.requires ?? []);
  walkSteps(definition.steps ?? [], ({ step }) => {
    if (step.type === 'tool') {
      const name = toolIntegration(step.tool);
      if (name !== 'workflows') names.add(name);
    }
  });
  return [...names];
}

export type PreflightAction = 'run' | 'enable';
export type Preflight = ReturnType<typeof createPreflight>;

/**
 * Starting a run and enabling a trigger check every required integration: `pending`, `syncing`,
 * `ready` and `degraded` count as connected; `error` or a missing integration refuses with 422
 * `integration_unavailable`, one `details` entry per problem. Saving a workflow is never refused.
 */
export function createPreflight({ repo }: { repo: IntegrationsRepository }) {
  function unavailable(definition: Pick<WorkflowDefinition, 'requires' | 'steps'>): UnavailableIntegration[] {
    const problems: UnavailableIntegration[] = [];
    for (const name of requiredIntegrations(definition)) {
      const row = repo.byName(name);
      if (!row) problems.push({ name, status: 'missing', reason: 'not connected' });
      else if (!CONNECTED_STATUSES.includes(row.status)) problems.push({ name, status: row.status, reason: row.status_reason ?? row.status });
    }
    return problems;
  }

  function assert(definition: Pick<WorkflowDefinition, 'requires' | 'steps'>, action: PreflightAction): void {
    const problems = unavailable(definition);
    if (problems.length === 0) return;
    const what = action === 'run' ? 'cannot start' : 'cannot enable the trigger';
    const parts = problems.map((p) =>
      p.status === 'missing'
        ? `"${p.name}" is not connected: connect it (POST /api/integrations with name "${p.name}")`
        : `"${p.name}" is in ${p.status} (${p.reason}): repair it (update its credentials or config with PATCH /api/integrations/${p.name}, then POST /api/integrations/${p.name}/check)`,
    );
    throw new AppError(
      422,
      'integration_unavailable',
      `${what}: ${problems.length === 1 ? 'a required integration is' : 'required integrations are'} unavailable: ${parts.join('; ')}`,
      problems,
    );
  }

  return { unavailable, assert };
}
