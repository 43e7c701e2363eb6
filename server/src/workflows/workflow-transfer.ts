import {
  WORKFLOW_EXPORT_FORMAT,
  WorkflowExport,
  type ImportWarning,
  type Trigger,
  type WorkflowImportResponse,
  type WorkflowTriggerRequest,
} from '@weft/shared';
import { parseRequest } from '../http/parse';
import type { TriggersService } from '../triggers/triggers-service';
import type { WorkflowsService } from './workflows-service';

/** A trigger as a save sends it: no ids, timestamps or secret. */
function triggerRequestOf(trigger: Trigger): WorkflowTriggerRequest {
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
 * one transaction. A trigger whose key or webhook path is taken is not refused: it gets a free one
 * and is imported disabled, with a warning saying so.
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
      return { format: WORKFLOW_EXPORT_FORMAT, definition: workflow.definition, ...(first ? { trigger: triggerRequestOf(first) } : {}) };
    },

    /** `savedBy`: the id of the person importing it (the new version 1 is their save). */
    importWorkflow(body: unknown, savedBy: string | null): WorkflowImportResponse {
      const file = parseRequest(WorkflowExport, body, 'body');
      const warnings: ImportWarning[] = [];
      let trigger = file.trigger;
      if (trigger !== undefined) {
        const key = freeName(trigger.key, (k) => triggers.repo.byKey(k) !== null, 100);
        if (key !== trigger.key) {
          warnings.push({
            code: 'trigger_key_taken',
            field: 'trigger.key',
            message: `the trigger key "${trigger.key}" is taken, so the trigger was imported as "${key}", disabled`,
          });
          trigger = { ...trigger, key, enabled: false };
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
            trigger = { ...trigger, enabled: false, webhook: { ...trigger.webhook, path } };
          }
        }
      }
      const saved = triggers.withWorkflow(trigger, (inTransaction) =>
        workflows.create({ definition: file.definition, savedBy, imported: true, ...(inTransaction ? { inTransaction } : {}) }),
      );
      return { ...saved, warnings };
    },
  };
}
