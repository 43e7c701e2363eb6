import {
  DELIVERY_COUNTS_SHOWN,
  resolveInputs,
  TriggerUpsertRequest,
  WEBHOOK_RATE_LIMIT_DEFAULT,
  type DeliveriesPage,
  type DeliveriesQuery,
  type DeliveryPayload,
  type InputSpec,
  type RunTriggerResponse,
  type StartedBy,
  type Trigger,
  type WorkflowDefinition,
  type WebhookPathAvailability,
  type WorkflowTriggerRequest,
} from '@weft/shared';
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError, notFound } from '../http/errors';
import { parseRequest } from '../http/parse';
import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';
import type { WorkflowsService } from '../workflows/workflows-service';
import type { FastifyBaseLogger } from 'fastify';
import { compileCron, cronProblem, describeCron, nextTick } from './cron';
import { createDeliveries, toDelivery, toDeliveryCount } from './deliveries';
import { createFiring } from './fire';
import { createScheduler } from './scheduler';
import { createTriggerEvents } from './trigger-events';
import { createTriggersRepository, parseSchedule, TEST_PAYLOAD_MAX_BYTES, TEST_PAYLOADS_KEPT, type TriggerRow, type TriggerWrite } from './triggers-repository';
import type { AuditLog } from '../audit/audit-log';

type TriggerBody = Omit<TriggerUpsertRequest, 'workflowId'>;

const invalid = (path: string, message: string) => new AppError(422, 'invalid_trigger', `${path}: ${message}`, { errors: [{ path, message }] });

/** 32 random bytes, base64url: safe to paste into a shell, a header or a sender's settings. */

const generateSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/**
 * A trigger as a tool call returns it: a generated secret is for the person who saves a trigger,
 * not for a transcript (chat history, an agent step's output, the model). It can be replaced
 * from Schedules & hooks ("New secret"), which shows the new one once.
 */
export function withoutGeneratedSecret(trigger: Trigger): Trigger & { note?: string } {
  if (trigger.webhook?.secret === undefined) return trigger;
  const { secret: _secret, ...webhook } = trigger.webhook;
  return { ...trigger, webhook, note: 'A signing secret was generated and is not shown to tools: replace it from Schedules & hooks (New secret) to see one.' };
}

/** A trigger as an audit entry shows it: its settings, never the webhook's secret. */
function auditView(trigger: Trigger): Record<string, unknown> {
  const { id: _id, description: _d, createdAt: _c, updatedAt: _u, nextRunAt: _n, lastDelivery: _l, ...settings } = trigger;
  if (!settings.webhook) return settings;
  const { secret: _secret, url: _url, ...webhook } = trigger.webhook!;
  return { ...settings, webhook };
}

/**
 * Trigger configuration (upsert, read, delete), delivery history and manual fires. The scheduler
 * and the webhook route fire through `firing`, which this service owns.
 */
export function createTriggersService({
  db,
  journal,
  clock,
  workflows,
  executions,
  log,
  schedulerIntervalMs,
  preflight,
  allowUnsignedHooks = false,
  audit,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  workflows: WorkflowsService;
  executions: ExecutionsService;
  log?: FastifyBaseLogger;
  schedulerIntervalMs?: number;
  /** Enabling a trigger checks the workflow's required integrations (422 integration_unavailable). */
  preflight?: { assert(definition: WorkflowDefinition, action: 'enable'): void };
  /** Records trigger changes and manual runs in the change's own transaction (audit-log.ts). */
  audit?: AuditLog;
  /** False on a server that listens beyond loopback without WEFT_ALLOW_UNSIGNED_HOOKS: verify "none" is a 422. */
  allowUnsignedHooks?: boolean;
}) {
  const repo = createTriggersRepository(db);
  const events = createTriggerEvents({ journal });
  const deliveries = createDeliveries({ repo, clock, events });
  const firing = createFiring({ repo, deliveries, executions, clock });
  const scheduler = createScheduler({
    repo,
    journal,
    clock,
    firing,
    deliveries,
    ...(log ? { log } : {}),
    ...(schedulerIntervalMs ? { intervalMs: schedulerIntervalMs } : {}),
  });

  const requireTrigger = (key: string): TriggerRow => {
    const row = repo.byKey(key);
    if (!row) throw notFound(`trigger ${key}`);
    return row;
  };

  function toTrigger(r: TriggerRow): Trigger {
    const schedule = parseSchedule(r);
    const last = repo.lastDelivery(r.id);
    return {
      id: r.id,
      key: r.key,
      workflowId: r.workflow_id,
      type: r.type,
      enabled: r.enabled === 1,
      ...(r.inputs !== null ? { inputs: JSON.parse(r.inputs) as Record<string, unknown> } : {}),
      ...(schedule ? { schedule } : {}),
      ...(r.webhook_path !== null
        ? {
            webhook: {
              path: r.webhook_path,
              url: `/hooks/${r.webhook_path}`,
              verify: r.webhook_verify ?? (r.webhook_secret === null ? 'none' : 'weft'),
              hasSecret: r.webhook_secret !== null,
              rateLimitPerMinute: r.webhook_rate_limit ?? WEBHOOK_RATE_LIMIT_DEFAULT,
              allowBrowser: r.webhook_allow_browser === 1,
              respondWithOutput: r.webhook_respond_output === 1,
            },
          }
        : {}),
      description: schedule ? describeCron(schedule.cron, schedule.timezone) : `POST /hooks/${r.webhook_path ?? ''}`,
      nextRunAt: r.next_run_at === null ? null : new Date(r.next_run_at).toISOString(),
      lastDelivery: last ? toDelivery(last) : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  /**
   * Inside a transaction: checks what the schema cannot (workflow, inputs, cron, path taken) and
   * writes. `prefix` names fields as the caller's body does (`trigger.` inside a workflow save).
   */
  function upsertWithin({
    key,
    workflowId,
    body,
    prefix = '',
    skipPreflight = false,
  }: {
    key: string;
    workflowId: string;
    body: TriggerBody;
    prefix?: string;
    skipPreflight?: boolean;
  }): Trigger {
    let definition: WorkflowDefinition;
    try {
      definition = workflows.get(workflowId).definition as unknown as WorkflowDefinition;
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 404) throw invalid(`${prefix}workflowId`, `workflow ${workflowId} not found`);
      throw err;
    }
    const resolved = resolveInputs(definition.inputs as Record<string, InputSpec> | undefined, body.inputs);
    if (!resolved.ok) {
      const first = resolved.errors[0]!;
      throw invalid(`${prefix}${first.path}`, first.message);
    }
    if (body.enabled && !skipPreflight) preflight?.assert(definition, 'enable');
    const nowMs = clock.now().getTime();
    if (body.schedule) {
      const problem = cronProblem(body.schedule.cron, body.schedule.timezone, nowMs);
      if (problem) throw invalid(`${prefix}schedule.cron`, problem);
    }
    const existing = repo.byKey(key);
    let secret: string | null = null;
    let generated: string | undefined;
    if (body.webhook) {
      const hook = body.webhook;
      const taken = repo.byPath(hook.path);
      if (taken && taken.key !== key) throw invalid(`${prefix}webhook.path`, `/hooks/${hook.path} is already used by trigger "${taken.key}"`);
      if (hook.verify === 'none' && !allowUnsignedHooks) {
        throw invalid(
          `${prefix}webhook.verify`,
          '"none" (unsigned) is refused on a server that listens beyond loopback: choose a signature scheme, or set WEFT_ALLOW_UNSIGNED_HOOKS=1',
        );
      }
      // Secrets are write-only: an omitted one keeps what is stored, and a hook without one gets one.
      const stored = existing?.type === 'webhook' ? existing.webhook_secret : null;
      if (hook.verify === 'none') secret = null;
      else if (hook.secret !== undefined) secret = hook.secret;
      else if (stored !== null && hook.regenerateSecret !== true) secret = stored;
      else secret = generated = generateSecret();
    }

    const write: TriggerWrite = {
      id: existing?.id ?? newId('tr'),
      key,
      workflowId,
      type: body.type,
      enabled: body.enabled,
      inputs: body.inputs,
      schedule: body.schedule,
      webhookPath: body.webhook?.path ?? null,
      webhookSecret: secret,
      webhookRateLimit: body.webhook?.rateLimitPerMinute ?? null,
      webhookVerify: body.webhook?.verify ?? null,
      webhookAllowBrowser: body.webhook?.allowBrowser ?? false,
      webhookRespondOutput: body.webhook?.respondWithOutput ?? false,
      cursorAt: null,
      nextRunAt: null,
      now: new Date(nowMs).toISOString(),
    };
    if (body.schedule && body.enabled) {
      const before = existing ? parseSchedule(existing) : null;
      const sameClock =
        existing?.enabled === 1 && existing.cursor_at !== null && before?.cron === body.schedule.cron && before.timezone === body.schedule.timezone;
      // A new, re-enabled or re-timed schedule starts from now: nothing before it is "missed".
      write.cursorAt = sameClock ? existing.cursor_at : nowMs;
      write.nextRunAt = sameClock ? existing.next_run_at : nextTick(compileCron(body.schedule.cron, body.schedule.timezone), nowMs);
    }

    if (existing && unchanged(existing, write)) return toTrigger(existing);
    if (existing) repo.update(write);
    else repo.insert(write);
    const trigger = toTrigger(repo.byKey(key)!);
    events.updated(trigger);
    audit?.record({
      actor: audit.actor(),
      action: existing ? 'trigger.updated' : 'trigger.created',
      target: { kind: 'trigger', id: key },
      details: {
        ...(existing ? { before: auditView(toTrigger(existing)) } : {}),
        after: auditView(trigger),
        // That the signing secret changed, never what it is.
        ...(body.webhook ? { secretChanged: (existing?.webhook_secret ?? null) !== secret } : {}),
      },
    });
    // Shown once, to whoever made this request: never journaled, never readable again.
    return generated !== undefined && trigger.webhook ? { ...trigger, webhook: { ...trigger.webhook, secret: generated } } : trigger;
  }

  function unchanged(r: TriggerRow, w: TriggerWrite): boolean {
    return (
      r.workflow_id === w.workflowId &&
      r.type === w.type &&
      r.enabled === (w.enabled ? 1 : 0) &&
      r.inputs === (w.inputs === undefined ? null : JSON.stringify(w.inputs)) &&
      r.schedule === (w.schedule === undefined ? null : JSON.stringify(w.schedule)) &&
      r.webhook_path === w.webhookPath &&
      r.webhook_secret === w.webhookSecret &&
      r.webhook_rate_limit === w.webhookRateLimit &&
      r.webhook_verify === w.webhookVerify &&
      r.webhook_allow_browser === (w.webhookAllowBrowser ? 1 : 0) &&
      r.webhook_respond_output === (w.webhookRespondOutput ? 1 : 0) &&
      r.cursor_at === w.cursorAt &&
      r.next_run_at === w.nextRunAt
    );
  }

  function upsert(key: string, body: unknown): Trigger {
    const parsed = parseRequest(TriggerUpsertRequest, body, 'body');
    const { workflowId, ...rest } = parsed;
    return journal.transaction(() => upsertWithin({ key, workflowId, body: rest }));
  }

  /**
   * Saves a workflow and its trigger in one transaction: `save` gets the `inTransaction` hook of
   * workflows.create/update. A trigger that does not validate rolls the workflow back with it.
   */
  function withWorkflow<W extends { id: string }>(
    trigger: WorkflowTriggerRequest | undefined,
    save: (inTransaction?: (workflowId: string) => void) => W,
  ): W & { trigger?: Trigger } {
    if (!trigger) return save();
    const { key, ...body } = trigger;
    let saved: Trigger | undefined;
    const workflow = journal.transaction(() => save((workflowId) => (saved = upsertWithin({ key, workflowId, body, prefix: 'trigger.' }))));
    return { ...workflow, trigger: saved! };
  }

  function remove(key: string): void {
    journal.transaction(() => {
      const row = requireTrigger(key);
      // Executions held behind a running one were accepted: let them run rather than strand them.
      firing.releaseAll(row.id);
      repo.remove(row.id);
      events.deleted(key);
      audit?.record({ actor: audit.actor(), action: 'trigger.deleted', target: { kind: 'trigger', id: key }, details: { before: auditView(toTrigger(row)) } });
    });
  }

  function listDeliveries(key: string, q: DeliveriesQuery): DeliveriesPage {
    const row = requireTrigger(key);
    let beforeOrd = Number.MAX_SAFE_INTEGER;
    if (q.before !== undefined) {
      const cursor = repo.delivery(q.before);
      if (!cursor || cursor.trigger_id !== row.id)
        throw new AppError(400, 'bad_request', `query before: delivery ${q.before} is not a delivery of trigger ${key}`);
      beforeOrd = cursor.ord;
    }
    const rows = repo.deliveries(row.id, beforeOrd, q.limit + 1);
    const page = rows.slice(0, q.limit);
    return {
      deliveries: page.map(toDelivery),
      nextBefore: rows.length > q.limit ? page.at(-1)!.id : null,
      counts: repo.counts(row.id, DELIVERY_COUNTS_SHOWN).map(toDeliveryCount),
    };
  }

  /** Fires now, whatever `enabled` and `overlap` say; recorded as kind `manual`, started by `startedBy` (the person). */
  function runNow(key: string, startedBy: StartedBy | null): RunTriggerResponse {
    const result = journal.transaction(() => {
      const trigger = requireTrigger(key);
      const receivedAt = clock.now();
      const fired = firing.fire({ trigger, kind: 'manual', receivedAt, payload: { type: 'manual', triggerKey: key }, startedBy });
      if (fired.outcome === 'started') {
        audit?.record({
          actor: audit.actor(),
          action: 'trigger.run',
          target: { kind: 'trigger', id: key },
          details: { executionId: fired.executionId, deliveryId: fired.delivery.id },
        });
      }
      return fired;
    });
    if (result.outcome === 'failed') throw result.error;
    if (result.outcome !== 'started') throw new Error(`manual fire ended as ${result.outcome}`);
    return { executionId: result.executionId, deliveryId: result.delivery.id };
  }

  function deliveryPayload(key: string, deliveryId: string): DeliveryPayload {
    const trigger = requireTrigger(key);
    const row = repo.delivery(deliveryId);
    if (!row || row.trigger_id !== trigger.id) throw notFound(`delivery ${deliveryId} of trigger ${key}`);
    if (row.execution_id !== null) return { deliveryId, source: 'execution', payload: executions.get(row.execution_id).trigger };
    if (row.test_payload !== null) return { deliveryId, source: 'test', payload: JSON.parse(row.test_payload) as unknown };
    if (row.reason === 'test') {
      throw new AppError(
        404,
        'payload_not_kept',
        `this test delivery's payload was not kept: only a trigger's ${TEST_PAYLOADS_KEPT} newest test payloads of at most ${TEST_PAYLOAD_MAX_BYTES / 1024} KiB are`,
      );
    }
    throw new AppError(404, 'payload_not_kept', 'this delivery started no run, so it kept no payload');
  }

  /** Who holds `/hooks/<path>`; `exceptKey` is the trigger being edited, whose own path is free to keep. */
  function webhookPathOwner(path: string, exceptKey?: string): WebhookPathAvailability {
    const row = repo.byPath(path);
    if (!row || row.key === exceptKey) return { path, available: true };
    let workflowName: string | undefined;
    try {
      const name = (workflows.get(row.workflow_id).definition as { name?: unknown }).name;
      if (typeof name === 'string') workflowName = name;
    } catch {
      // A trigger outliving its workflow is still the owner; it just has no name to show.
    }
    return { path, available: false, triggerKey: row.key, workflowId: row.workflow_id, ...(workflowName !== undefined ? { workflowName } : {}) };
  }

  return {
    repo,
    deliveries,
    deliveryPayload,
    webhookPathOwner,
    /** Whether hooks with verify "none" may be saved and called here. */
    allowUnsignedHooks,
    firing,
    scheduler,
    get: (key: string) => toTrigger(requireTrigger(key)),
    list: () => repo.list().map(toTrigger),
    upsert,
    upsertWithin,
    withWorkflow,
    remove,
    /** A deleted workflow's triggers go with it; otherwise they would fire into a 404 on every tick. */
    removeForWorkflow(workflowId: string): string[] {
      const keys = repo
        .list()
        .filter((r) => r.workflow_id === workflowId)
        .map((r) => r.key);
      for (const key of keys) remove(key);
      return keys;
    },
    listDeliveries,
    runNow,
  };
}

export type TriggersService = ReturnType<typeof createTriggersService>;
