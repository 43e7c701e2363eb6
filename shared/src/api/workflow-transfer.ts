import { z } from 'zod';
import { Trigger, WorkflowTriggerRequest } from './triggers';
import { WorkflowResponse } from './workflows';

/** The version tag of an exported workflow file; an import refuses any other. */
export const WORKFLOW_EXPORT_FORMAT = 'weft.workflow/1';

/**
 * `GET /api/workflows/:id/export`, and the body `POST /api/workflows/import` takes: the latest
 * definition and the workflow's first trigger as a save would send it (a webhook's secret is never
 * exported; an import generates a new one).
 */
export const WorkflowExport = z.strictObject({
  format: z.literal(WORKFLOW_EXPORT_FORMAT, { error: `must be "${WORKFLOW_EXPORT_FORMAT}"` }),
  definition: z.unknown().refine((value) => value !== undefined, { error: 'required' }),
  trigger: WorkflowTriggerRequest.optional(),
});
export type WorkflowExport = z.infer<typeof WorkflowExport>;

/** Something the import changed rather than refused: a taken trigger key or webhook path. */
export const ImportWarning = z.object({
  code: z.enum(['trigger_key_taken', 'webhook_path_taken']),
  /** The field of the import body it is about (`trigger.key`, `trigger.webhook.path`). */
  field: z.string(),
  message: z.string(),
});
export type ImportWarning = z.infer<typeof ImportWarning>;

/** `POST /api/workflows/import` → 201: the new workflow, its trigger (as saved) and what the import changed. */
export const WorkflowImportResponse = WorkflowResponse.extend({
  trigger: Trigger.optional(),
  warnings: z.array(ImportWarning),
});
export type WorkflowImportResponse = z.infer<typeof WorkflowImportResponse>;
