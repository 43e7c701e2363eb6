import { z } from 'zod';

/**
 * Request and response shapes of /api/triggers and /hooks/<path>. Cron syntax is checked by the
 * server (croner); everything else is checked here so a client form can reuse the same rules.
 */

/** Trigger keys double as journal topic ids (`trigger:<key>`), hence the topic alphabet. */
export const TriggerKey = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 characters: letters, digits, "_" or "-"');
export type TriggerKey = z.infer<typeof TriggerKey>;

/** `/hooks/<path>`: segments of letters, digits, `_`, `-` and `.` (not leading), joined by `/`. */
export const WEBHOOK_PATH_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;
export const WebhookPath = z
  .string()
  .min(1)
  .max(200)
  .regex(WEBHOOK_PATH_PATTERN, 'must be segments of letters, digits, "_", "-" or "." separated by "/" (no leading "/" or "..")');

/** True when the runtime knows the IANA zone (Intl is available in Node and browsers alike). */
export function isKnownTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export const CatchUpPolicy = z.enum(['skip', 'latest', 'all']);
export type CatchUpPolicy = z.infer<typeof CatchUpPolicy>;
export const OverlapPolicy = z.enum(['skip', 'queue', 'allow']);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

export const CATCH_UP_WINDOW_MAX_SECONDS = 30 * 24 * 3600;
/** Missed ticks considered after downtime, per trigger; older ones are recorded as one `catch_up_cap` row. */
export const CATCH_UP_MAX_TICKS = 1000;
export const WEBHOOK_RATE_LIMIT_DEFAULT = 60;

export const ScheduleConfig = z
  .object({
    cron: z.string().trim().min(1).max(200),
    timezone: z.string().min(1).max(100).refine(isKnownTimezone, { message: 'unknown timezone (use an IANA name such as "Europe/Berlin")' }),
    catchUp: CatchUpPolicy.default('latest'),
    catchUpWindowSeconds: z.number().int().min(0).max(CATCH_UP_WINDOW_MAX_SECONDS).default(86_400),
    overlap: OverlapPolicy.default('skip'),
  })
  .strict();
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

/**
 * How a hook proves a delivery came from its sender. `weft` (default): `X-Weft-Timestamp` and
 * `X-Weft-Signature` over "<timestamp>.<path and query>.<raw body>"; `github`: `X-Hub-Signature-256`;
 * `stripe`: `Stripe-Signature`; `slack`: `X-Slack-Signature` with `X-Slack-Request-Timestamp`;
 * `none`: unsigned (refused on a server that listens beyond loopback unless WEFT_ALLOW_UNSIGNED_HOOKS=1).
 */
export const WebhookVerify = z.enum(['weft', 'github', 'stripe', 'slack', 'none']);
export type WebhookVerify = z.infer<typeof WebhookVerify>;
export const WEBHOOK_VERIFY_SCHEMES = WebhookVerify.options;
/** Signatures older or newer than this are stale (weft, stripe, slack). */
export const WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300;

export const WebhookConfigRequest = z
  .object({
    path: WebhookPath,
    verify: WebhookVerify.default('weft'),
    /**
     * The HMAC key. Omitted: the stored one is kept, or (none stored) one is generated and returned
     * once, as `webhook.secret` of this response. Never returned otherwise.
     */
    secret: z.string().min(8).max(500).optional(),
    /** Replace the stored secret with a generated one (returned once, as for a new trigger). */
    regenerateSecret: z.boolean().optional(),
    /** Token bucket per trigger, per server process. */
    rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(WEBHOOK_RATE_LIMIT_DEFAULT),
    /** Let browsers call it from other sites (otherwise `Sec-Fetch-Site: cross-site` or a foreign `Origin` is a 403). */
    allowBrowser: z.boolean().default(false),
    /** `?wait=` answers include the execution's `output`. */
    respondWithOutput: z.boolean().default(false),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (w.verify === 'none' && w.secret !== undefined) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is not allowed with verify "none"' });
    if (w.verify === 'none' && w.regenerateSecret) ctx.addIssue({ code: 'custom', path: ['regenerateSecret'], message: 'is not allowed with verify "none"' });
    if (w.secret !== undefined && w.regenerateSecret)
      ctx.addIssue({ code: 'custom', path: ['regenerateSecret'], message: 'is not allowed together with secret' });
  });
export type WebhookConfigRequest = z.infer<typeof WebhookConfigRequest>;

const triggerFields = {
  type: z.enum(['schedule', 'webhook']),
  enabled: z.boolean().default(true),
  inputs: z.record(z.string(), z.unknown()).optional(),
  schedule: ScheduleConfig.optional(),
  webhook: WebhookConfigRequest.optional(),
};

type TriggerShape = { type: 'schedule' | 'webhook'; schedule?: unknown; webhook?: unknown };
/** Exactly the configuration block that matches `type`. */
function requireMatchingBlock(t: TriggerShape, ctx: z.RefinementCtx) {
  const wanted = t.type === 'schedule' ? 'schedule' : 'webhook';
  const other = t.type === 'schedule' ? 'webhook' : 'schedule';
  if (t[wanted] === undefined) ctx.addIssue({ code: 'custom', path: [wanted], message: `is required when type is "${t.type}"` });
  if (t[other] !== undefined) ctx.addIssue({ code: 'custom', path: [other], message: `is not allowed when type is "${t.type}"` });
}

/** `PUT /api/triggers/:key`: the whole desired state (an omitted webhook secret is kept, or generated when there is none). */
export const TriggerUpsertRequest = z
  .object({ workflowId: z.string().min(1).max(100), ...triggerFields })
  .strict()
  .superRefine(requireMatchingBlock);
export type TriggerUpsertRequest = z.infer<typeof TriggerUpsertRequest>;

/** The `trigger` of `POST /api/workflows` and `PUT /api/workflows/:id`: its workflow is the one being saved. */
export const WorkflowTriggerRequest = z
  .object({ key: TriggerKey, ...triggerFields })
  .strict()
  .superRefine(requireMatchingBlock);
export type WorkflowTriggerRequest = z.infer<typeof WorkflowTriggerRequest>;

/** Read alongside CreateWorkflowRequest / UpdateWorkflowRequest so errors are named `trigger.<field>`. */
export const WorkflowTriggerField = z.object({ trigger: WorkflowTriggerRequest.optional() }).loose();

export const TriggerKeyParams = z.object({ key: TriggerKey });

export const DeliveryKind = z.enum(['schedule', 'catch_up', 'webhook', 'manual']);
export type DeliveryKind = z.infer<typeof DeliveryKind>;
export const DeliveryStatus = z.enum(['started', 'skipped', 'rejected', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/**
 * One fire of a trigger. `reason` codes: skipped — `catch_up_skip`, `catch_up_superseded`,
 * `outside_window`, `catch_up_cap`, `overlap`, `queue_full`, `test`; started —
 * `queued_behind:<executionId>` (overlap "queue", or a later run of a catch-up waiting for the one
 * before it); failed — `<error code>: <message>`. Refused webhook calls and replays are counted,
 * not rows: see `DeliveryCount` (rows with `rejected` or `duplicate` are from before that change).
 */
export const TriggerDelivery = z.object({
  id: z.string(),
  triggerKey: z.string(),
  kind: DeliveryKind,
  /** Schedule and catch-up ticks: the instant the cron named. */
  scheduledFor: z.string().optional(),
  receivedAt: z.string(),
  executionId: z.string().optional(),
  status: DeliveryStatus,
  reason: z.string().optional(),
  /** From `scheduledFor` (ticks) or `receivedAt` (webhook, manual) to the decision being committed. */
  latencyMs: z.number().int(),
});
export type TriggerDelivery = z.infer<typeof TriggerDelivery>;

export const Trigger = z.object({
  id: z.string(),
  key: z.string(),
  workflowId: z.string(),
  type: z.enum(['schedule', 'webhook']),
  enabled: z.boolean(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  schedule: z
    .object({ cron: z.string(), timezone: z.string(), catchUp: CatchUpPolicy, catchUpWindowSeconds: z.number().int(), overlap: OverlapPolicy })
    .optional(),
  webhook: z
    .object({
      path: z.string(),
      url: z.string(),
      verify: WebhookVerify,
      hasSecret: z.boolean(),
      /** Only in the answer to the request that generated it (a new trigger, `regenerateSecret`). */
      secret: z.string().optional(),
      /** In an `Idempotency-Key` replay of that answer, which does not keep the secret: regenerate it if it was lost. */
      secretWithheld: z.literal(true).optional(),
      rateLimitPerMinute: z.number().int(),
      allowBrowser: z.boolean(),
      respondWithOutput: z.boolean(),
    })
    .optional(),
  /** Humanized schedule ("At 02:30 AM (Europe/Berlin)") or "POST /hooks/<path>". */
  description: z.string(),
  /** Next tick for an enabled schedule; null otherwise. */
  nextRunAt: z.string().nullable(),
  lastDelivery: TriggerDelivery.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Trigger = z.infer<typeof Trigger>;

export const TriggerListResponse = z.object({ triggers: z.array(Trigger) });
export type TriggerListResponse = z.infer<typeof TriggerListResponse>;

export const DeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** A delivery id: the page holds deliveries recorded before it. */
  before: z.string().min(1).max(100).optional(),
});
export type DeliveriesQuery = z.infer<typeof DeliveriesQuery>;

/**
 * Webhook calls that started nothing and that anyone can send in bulk are counted per trigger,
 * minute and reason instead of written as rows, so a flood cannot grow the database. `rejected`:
 * `cross_site`, `unsigned_refused`, `rate_limited`, `missing_signature`, `missing_timestamp`,
 * `bad_signature`, `stale_signature`, `bad_body`, `disabled`; `skipped`: `duplicate` (a replay).
 */
export const DeliveryCount = z.object({
  /** Start of the minute (UTC). */
  minute: z.string(),
  status: z.enum(['rejected', 'skipped']),
  reason: z.string(),
  count: z.number().int(),
});
export type DeliveryCount = z.infer<typeof DeliveryCount>;
export const DELIVERY_COUNTS_SHOWN = 100;

export const DeliveriesPage = z.object({
  /** Newest first. */
  deliveries: z.array(TriggerDelivery),
  nextBefore: z.string().nullable(),
  /** The newest counts (at most 100, kept 7 days), newest first; the same on every page. */
  counts: z.array(DeliveryCount),
});
export type DeliveriesPage = z.infer<typeof DeliveriesPage>;

/** `GET /api/triggers/webhook-paths/<path>?exceptKey=`: whether a webhook path is free, and whose it is when not. */
export const WebhookPathQuery = z.object({ exceptKey: TriggerKey.optional() });
export const WebhookPathAvailability = z.object({
  path: z.string(),
  available: z.boolean(),
  triggerKey: z.string().optional(),
  workflowId: z.string().optional(),
  workflowName: z.string().optional(),
});
export type WebhookPathAvailability = z.infer<typeof WebhookPathAvailability>;

/** `GET /api/triggers/:key/deliveries/:deliveryId/payload`: what the delivery handed (or, for a test, would hand) the workflow. */
export const DeliveryPayloadParams = z.object({ key: TriggerKey, deliveryId: z.string().min(1).max(100) });
export const DeliveryPayload = z.object({ deliveryId: z.string(), source: z.enum(['execution', 'test']), payload: z.unknown() });
export type DeliveryPayload = z.infer<typeof DeliveryPayload>;

/** `POST /api/triggers/:key/run`: fire now (kind `manual`), ignoring `enabled` and `overlap`. */
export const RunTriggerResponse = z.object({ executionId: z.string(), deliveryId: z.string() });
export type RunTriggerResponse = z.infer<typeof RunTriggerResponse>;

export const WEBHOOK_MAX_WAIT_SECONDS = 300;
/** `?wait=<seconds>` and `?test=1`; every other query parameter reaches the workflow as `trigger.query`. */
export const WebhookQuery = z
  .object({
    wait: z.coerce.number().min(0).max(WEBHOOK_MAX_WAIT_SECONDS).optional(),
    test: z.enum(['1', 'true', '0', 'false']).optional(),
  })
  .loose();

/** 202: started. `duplicate`: the same delivery again (a replayed signature or delivery id); nothing started. */
export const WebhookAccepted = z.object({ executionId: z.string(), duplicate: z.literal(true).optional() });
/**
 * With `?wait=`: 200 when the execution finished in time, else 202 with its status then. `output`
 * only when the trigger sets `respondWithOutput`.
 */
export const WebhookWaited = z.object({ executionId: z.string(), status: z.string(), output: z.unknown().optional(), duplicate: z.literal(true).optional() });
/** 200 with `?test=1`: validated and recorded, nothing run. `payload` is what `trigger` would have been. */
export const WebhookTestResult = z.object({ test: z.literal(true), deliveryId: z.string(), payload: z.record(z.string(), z.unknown()) });
