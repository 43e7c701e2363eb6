import { z } from 'zod';

/** The trigger a draft suggests; the server checks the cron and timezone before using it. */
export const DraftTrigger = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('schedule'),
    schedule: z.strictObject({ cron: z.string().min(1), timezone: z.string().min(1).optional() }),
  }),
  z.strictObject({ type: z.literal('webhook') }),
  z.strictObject({ type: z.literal('manual') }),
]);
export type DraftTrigger = z.infer<typeof DraftTrigger>;

/** `POST /api/workflows/draft`: a new draft from `prompt`, or `baseDraft` refined as a whole. */
export const DraftRequest = z.object({
  prompt: z.string().trim().min(1).max(20_000),
  baseDraft: z.unknown().optional(),
  timezone: z.string().min(1).max(100).optional(),
});
export type DraftRequest = z.infer<typeof DraftRequest>;

/** `POST /api/workflows/draft/step`: only step `stepId` of `definition` may change. */
export const DraftStepRequest = z.object({
  definition: z.unknown(),
  stepId: z.string().min(1).max(64),
  prompt: z.string().trim().min(1).max(20_000),
});
export type DraftStepRequest = z.infer<typeof DraftStepRequest>;

/** Both drafting routes: a checked definition, the suggested trigger and who drafted it. */
export const DraftResponse = z.object({
  definition: z.record(z.string(), z.unknown()),
  trigger: DraftTrigger.optional(),
  attempts: z.number().int(),
  /** `anthropic`, or `offline` when no model is configured. */
  provider: z.string(),
  model: z.string(),
  /**
   * The parts of the request that no step represents (empty when everything was drafted). For a
   * step refine that could not be applied as asked, the request itself, with the step unchanged.
   */
  unhandled: z.array(z.string()),
  /** False when the drafter could not read the request at all (offline): the definition is a placeholder, not a draft. */
  understood: z.boolean(),
});
export type DraftResponse = z.infer<typeof DraftResponse>;
