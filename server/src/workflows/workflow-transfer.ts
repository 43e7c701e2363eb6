import {
  WORKFLOW_EXPORT_FORMAT,
  WorkflowExport,
  type ExportedTrigger,
  type ImportWarning,
  type Trigger,
  type WorkflowImportResponse,
  type WorkflowTriggerRequest,
} from '@weft/shared';
import { parseRequest } from '../http/parse';
import type { TriggersService } from '../triggers/triggers-service';
import type { WorkflowsService } from './workflows-service';

/** A trigger as a file carries it: as a save sends it, without ids, timestamps or secret. */
function exportedTriggerOf(trigger: Trigger): ExportedTrigger {
  const base = { key: trigger.key, enabled: trigger.enabled, ...(trigger.inputs !== undefined ? { inputs: trigger.inputs } : {}) };
  if (trigger.type === 'schedule' && trigger.schedule) return { ...base, type: 'schedule', schedule: trigger.schedule };
  const hook = trigger.webhook!;
  return {
    ...base,
    type: 'webhook',
    webhook: {
      path: hook.path,
      verify: hook.verify,
      rateLimitPerMinute: hook.rateLimitPerMinute,
      allowBrowser: hook.allowBrowser,
      respondWithOutput: hook.respondWithOutput,
    },
  };
}

/**
 * A file's trigger as the import saves it: disabled whatever the file says (its steps have not been
 * looked at here yet), with no secret (the save generates one), and without `respondWithOutput`,
 * which the web app does not show: the run's output is answered only once the owner asks for it.
 */
function asSavedDisabled(trigger: ExportedTrigger): WorkflowTriggerRequest {
  const base = { key: trigger.key, enabled: false, ...(trigger.inputs !== undefined ? { inputs: trigger.inputs } : {}) };
  if (trigger.type === 'schedule') return { ...base, type: 'schedule', ...(trigger.schedule ? { schedule: trigger.schedule } : {}) };
  const hook = trigger.webhook;
  return {
    ...base,
    type: 'webhook',
    ...(hook
      ? {
          webhook: {
            path: hook.path,
            verify: hook.verify,
            rateLimitPerMinute: hook.rateLimitPerMinute,
            allowBrowser: hook.allowBrowser,
            respondWithOutput: false,
          },
        }
      : {}),
  };
}

/** `base`, else `base-2`, `base-3`, … : the first that `taken` says is free (kept within `max` characters). */
function freeName(base: string, taken: (candidate: string) => boolean, max: number): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, max - suffix.length)}${suffix}`;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * Export and import of a workflow with its trigger (`weft.workflow/1`). An import is a save: the
 * definition is validated as `POST /api/workflows` does and the workflow and trigger are written in
 * one transaction. The trigger is always saved disabled with a newly generated webhook secret
 * (`triggerDisabled` says so): a shared file can neither run its steps unreviewed nor carry a
 * secret its author knows. A trigger whose key or webhook path is taken is not refused: it gets a
 * free one, with a warning saying so.
 */
export function createWorkflowTransfer({ workflows, triggers }: { workflows: WorkflowsService; triggers: TriggersService }) {
  return {
    exportWorkflow(id: string): WorkflowExport {
      const workflow = workflows.get(id);
      // A workflow may have several triggers; the file carries the oldest, the one it was saved with.
      const first = triggers
        .list()
        .filter((t) => t.workflowId === id)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
      return { format: WORKFLOW_EXPORT_FORMAT, definition: workflow.definition, ...(first ? { trigger: exportedTriggerOf(first) } : {}) };
    },

    /** `savedBy`: the id of the person importing it (the new version 1 is their save). */
    importWorkflow(body: unknown, savedBy: string | null): WorkflowImportResponse {
      const file = parseRequest(WorkflowExport, body, 'body');
      const warnings: ImportWarning[] = [];
      let trigger: WorkflowTriggerRequest | undefined;
      if (file.trigger !== undefined) {
        trigger = asSavedDisabled(file.trigger);
        if (file.trigger.webhook?.respondWithOutput === true) {
          warnings.push({
            code: 'respond_with_output_not_imported',
            field: 'trigger.webhook.respondWithOutput',
            message: "the file asked for ?wait answers to include the run's output; that was not imported: set respondWithOutput on the trigger to have it",
          });
        }
        const key = freeName(trigger.key, (k) => triggers.repo.byKey(k) !== null, 100);
        if (key !== trigger.key) {
          warnings.push({
            code: 'trigger_key_taken',
            field: 'trigger.key',
            message: `the trigger key "${trigger.key}" is taken, so the trigger was imported as "${key}", disabled`,
          });
          trigger = { ...trigger, key };
        }
        if (trigger.webhook !== undefined) {
          const path = freeName(trigger.webhook.path, (p) => triggers.repo.byPath(p) !== null, 200);
          if (path !== trigger.webhook.path) {
            const owner = triggers.repo.byPath(trigger.webhook.path);
            warnings.push({
              code: 'webhook_path_taken',
              field: 'trigger.webhook.path',
              message: `/hooks/${trigger.webhook.path} is used by trigger "${owner?.key ?? '?'}", so the webhook was imported at /hooks/${path}, disabled`,
            });
            trigger = { ...trigger, webhook: { ...trigger.webhook, path } };
          }
        }
      }
      // The key is free (above), so the trigger is new: a webhook that verifies gets a generated secret, shown once here.
      const saved = triggers.withWorkflow(trigger, (inTransaction) =>
        workflows.create({ definition: file.definition, savedBy, imported: true, ...(inTransaction ? { inTransaction } : {}) }),
      );
      return { ...saved, ...(trigger !== undefined ? { triggerDisabled: true as const } : {}), warnings };
    },
  };
}
