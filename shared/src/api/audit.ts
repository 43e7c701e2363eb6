import { z } from 'zod';

/** `workflow.updated`, or a prefix `workflow.*`: lower-case dotted words. */
const ACTION_FILTER = /^[a-z_]+(\.[a-z_]+)*(\.\*)?$/;
/** `workflow`, or `workflow:wf_123`: a kind, then optionally an id. */
const TARGET_FILTER = /^[a-z_]+(:.+)?$/;

/** An empty parameter (`?actor=`) is no filter, as a form with a blank field sends it. */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/**
 * `GET /api/audit` (and `/api/audit.csv`) filters. `actor`: an actor id (a person's id, a
 * trigger key for schedules and webhooks). `action`: exact, or a prefix ending `.*`. `target`:
 * a kind, or `kind:id`. `before`: an entry id (keyset pagination, newest first).
 */
export const AuditQuery = z.object({
  actor: optional(z.string().max(200)),
  action: optional(z.string().max(100).regex(ACTION_FILTER, 'must be an action like "workflow.updated" or a prefix like "workflow.*"')),
  target: optional(z.string().max(300).regex(TARGET_FILTER, 'must be a target kind like "workflow" or "kind:id" like "workflow:wf_123"')),
  before: optional(z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER)),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** The CSV export takes the same filters; it holds up to 10,000 entries per file (page with `before`). */
export const AuditCsvQuery = AuditQuery.extend({ limit: z.coerce.number().int().min(1).max(10_000).default(10_000) });
export type AuditCsvQuery = z.infer<typeof AuditCsvQuery>;

export const AuditActorKind = z.enum(['user', 'runner', 'schedule', 'webhook', 'system']);

export const AuditEntry = z.object({
  id: z.number().int(),
  /** ISO time. */
  at: z.string(),
  actor: z.object({ kind: AuditActorKind, id: z.string().nullable(), name: z.string() }),
  action: z.string(),
  target: z.object({ kind: z.string(), id: z.string().nullable() }),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditListResponse = z.object({
  entries: z.array(AuditEntry),
  /** Pass as `before` for the next (older) page; null on the last one. */
  nextBefore: z.number().int().nullable(),
});
export type AuditListResponse = z.infer<typeof AuditListResponse>;
