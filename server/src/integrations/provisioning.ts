import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';
import type { IntegrationsDeps } from './deps';
import type { IntegrationRow } from './integrations-repository';
import { TEMPLATES, templateApplies, templateByKey, triggerKeyFor, type ProvisioningTemplate } from './templates';

export type ProvisionOutcome = { template: string; workflowId: string; triggerKey: string | null; created: boolean; executionId: string | null };

/**
 * Auto-provisioning: for each template an integration's capabilities satisfy, one IMMEDIATE
 * transaction creates the workflow (version 1), registers its schedule trigger, records the
 * (integration, template) row and starts the initial run. The row is read again inside the
 * transaction, so retries, concurrent calls (even from two processes on one database) and a
 * restart find it and create nothing. `backfill` repairs provisioned workflows whose schedule
 * trigger is missing (written by an older build, or deleted by hand).
 */
export function createProvisioning({ repo, journal, clock, workflows, triggers, executions, log }: IntegrationsDeps & { executions: ExecutionsService }) {
  const scheduleBody = (t: ProvisioningTemplate) => ({ type: 'schedule' as const, enabled: true, schedule: t.schedule! });

  function provisionOne(row: IntegrationRow, t: ProvisioningTemplate): ProvisionOutcome {
    return journal.transaction(() => {
      const existing = repo.provision(row.id, t.key);
      if (existing) return { template: t.key, workflowId: existing.workflow_id, triggerKey: existing.trigger_key, created: false, executionId: null };
      const key = t.schedule ? triggerKeyFor(row.name, t.key) : null;
      const now = clock.now().toISOString();
      const workflow = workflows.create({
        // Provisioning is the system's save, not a person's.
        savedBy: null,
        definition: t.definition(row.name),
        inTransaction: (workflowId) => {
          if (!repo.insertProvision({ integrationId: row.id, template: t.key, workflowId, triggerKey: key, now })) {
            throw new Error(`provisioning ${row.name}/${t.key} raced with another writer`);
          }
          if (key) triggers.upsertWithin({ key, workflowId, body: scheduleBody(t) });
        },
      });
      return { template: t.key, workflowId: workflow.id, triggerKey: key, created: true, executionId: initialRun(workflow.id, key) };
    });
  }

  /** Inside the provisioning transaction. A refused start is recorded (a failed delivery) but does not undo the provisioning. */
  function initialRun(workflowId: string, key: string | null): string | null {
    try {
      if (key) return triggers.runNow(key, null).executionId;
      return executions.start({ workflowId, trigger: { type: 'tool', actor: 'provisioning' }, startedBy: null }).executionId;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      log.warn({ workflowId, code: err.code }, 'initial run of a provisioned workflow was refused');
      return null;
    }
  }

  return {
    /** Idempotent: what the integration's capabilities call for, created only where missing. */
    ensure(row: IntegrationRow, capabilities: readonly string[]): ProvisionOutcome[] {
      return TEMPLATES.filter((t) => templateApplies(t, capabilities)).map((t) => provisionOne(row, t));
    },

    /** Start-up repair: a schedule trigger for every live provisioned workflow that has none. Returns the keys created. */
    backfill(): string[] {
      const created: string[] = [];
      for (const p of repo.allProvisions()) {
        const t = templateByKey(p.template);
        if (!t?.schedule) continue;
        const integration = repo.byId(p.integration_id);
        if (!integration) continue;
        // Counted once committed: the journal may run `fn` again (a deadlock aborted it).
        const key = journal.transaction(() => {
          if (!workflows.repo.get(p.workflow_id)) return null; // deleted by its owner: leave it be
          if (triggers.repo.list().some((tr) => tr.workflow_id === p.workflow_id)) return null;
          const key = p.trigger_key ?? triggerKeyFor(integration.name, t.key);
          // The integration may be down right now; the trigger still belongs there, and its runs will say why they cannot start.
          triggers.upsertWithin({ key, workflowId: p.workflow_id, body: scheduleBody(t), skipPreflight: true });
          if (p.trigger_key === null) repo.setProvisionTrigger(p.integration_id, p.template, key);
          return key;
        });
        if (key !== null) created.push(key);
      }
      return created;
    },
  };
}

export type Provisioning = ReturnType<typeof createProvisioning>;
