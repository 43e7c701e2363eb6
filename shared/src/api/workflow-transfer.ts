import { z } from 'zod';
import { ScheduleConfig, Trigger, TriggerKey, WEBHOOK_RATE_LIMIT_DEFAULT, WebhookPath, WebhookVerify } from './triggers';
import { WorkflowResponse } from './workflows';

/** The version tag of an exported workflow file; an import refuses any other. */
export const WORKFLOW_EXPORT_FORMAT = 'weft.workflow/1';

/** A field a file may never carry: whoever wrote the file would know it (or choose it) on the importer's server. */
const neverImported = (why: string) => z.never({ error: why }).optional();

/**
 * A webhook as a file carries it: no `secret` and no `regenerateSecret` (an export never writes
 * them; an import always generates a new secret and returns it once).
 */
export const ExportedWebhook = z.strictObject({
  path: WebhookPath,
  verify: WebhookVerify.default('weft'),
  secret: neverImported('is never imported: the import generates a new secret and shows it once'),
  regenerateSecret: neverImported('is never imported: the import always generates a new secret'),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(WEBHOOK_RATE_LIMIT_DEFAULT),
  allowBrowser: z.boolean().default(false),
  /** Read, never kept: an imported hook answers `?wait` without the run's output until its owner sets it. */
  respondWithOutput: z.boolean().default(false),
});
export type ExportedWebhook = z.infer<typeof ExportedWebhook>;

/**
 * The trigger of a workflow file. `enabled` is written by an export and read by an import, which
 * nevertheless saves every trigger disabled: a file's steps run only once someone has looked at them.
 */
export const ExportedTrigger = z
  .strictObject({
    key: TriggerKey,
    type: z.enum(['schedule', 'webhook']),
    enabled: z.boolean().default(true),
    inputs: z.record(z.string(), z.unknown()).optional(),
    schedule: ScheduleConfig.optional(),
    webhook: ExportedWebhook.optional(),
  })
  .superRefine((t, ctx) => {
    const wanted = t.type === 'schedule' ? 'schedule' : 'webhook';
    const other = t.type === 'schedule' ? 'webhook' : 'schedule';
    if (t[wanted] === undefined) ctx.addIssue({ code: 'custom', path: [wanted], message: `is required when type is "${t.type}"` });
    if (t[other] !== undefined) ctx.addIssue({ code: 'custom', path: [other], message: `is not allowed when type is "${t.type}"` });
  });
export type ExportedTrigger = z.infer<typeof ExportedTrigger>;

/**
 * `GET /api/workflows/:id/export`, and the body `POST /api/workflows/import` takes: the latest
 * definition and the workflow's first trigger (a webhook's secret is never exported; an import
 * generates a new one, and saves the trigger disabled).
 */
export const WorkflowExport = z.strictObject({
  format: z.literal(WORKFLOW_EXPORT_FORMAT, { error: `must be "${WORKFLOW_EXPORT_FORMAT}"` }),
  definition: z.unknown().refine((value) => value !== undefined, { error: 'required' }),
  trigger: ExportedTrigger.optional(),
});
export type WorkflowExport = z.infer<typeof WorkflowExport>;

/**
 * Something the import changed rather than refused: a taken trigger key or webhook path, or a
 * webhook's `respondWithOutput` that was not kept.
 */
export const ImportWarning = z.object({
  code: z.enum(['trigger_key_taken', 'webhook_path_taken', 'respond_with_output_not_imported']),
  /** The field of the import body it is about (`trigger.key`, `trigger.webhook.path`, `trigger.webhook.respondWithOutput`). */
  field: z.string(),
  message: z.string(),
});
export type ImportWarning = z.infer<typeof ImportWarning>;

/**
 * `POST /api/workflows/import` → 201: the new workflow, its trigger (as saved, with a webhook's new
 * secret shown this once) and what the import changed. `triggerDisabled`: present whenever the file
 * had a trigger: it was saved disabled whatever the file said; turn it on (`PUT /api/triggers/:key`
 * with `enabled: true`, or its switch in Schedules & hooks) once the steps have been looked at.
 */
export const WorkflowImportResponse = WorkflowResponse.extend({
  trigger: Trigger.optional(),
  triggerDisabled: z.literal(true).optional(),
  warnings: z.array(ImportWarning),
});
export type WorkflowImportResponse = z.infer<typeof WorkflowImportResponse>;
