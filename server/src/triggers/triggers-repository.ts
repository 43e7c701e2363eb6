import type { DeliveryKind, DeliveryStatus, ScheduleConfig, WebhookVerify } from '@weft/shared';
import type { Db } from '../db/open';

export type TriggerRow = {
  id: string;
  key: string;
  workflow_id: string;
  type: 'schedule' | 'webhook';
  enabled: number;
  inputs: string | null;
  schedule: string | null;
  webhook_path: string | null;
  webhook_secret: string | null;
  webhook_rate_limit: number | null;
  webhook_verify: WebhookVerify | null;
  webhook_allow_browser: number;
  webhook_respond_output: number;
  cursor_at: number | null;
  next_run_at: number | null;
  running_execution_id: string | null;
  held_execution_id: string | null;
  created_at: string;
  updated_at: string;
};

export type DeliveryRow = {
  ord: number;
  id: string;
  trigger_id: string;
  trigger_key: string;
  kind: DeliveryKind;
  scheduled_for: number | null;
  received_at: string;
  execution_id: string | null;
  status: DeliveryStatus;
  reason: string | null;
  latency_ms: number;
  delivery_key: string | null;
  replay_key: string | null;
  /** JSON of a test delivery's payload (test deliveries start no run that would keep it). */
  test_payload: string | null;
};

export type DeliveryCountRow = { minute: number; reason: string; status: 'rejected' | 'skipped'; count: number };

export type NewDelivery = {
  id: string;
  triggerId: string;
  triggerKey: string;
  kind: DeliveryKind;
  scheduledFor: number | null;
  receivedAt: string;
  executionId: string | null;
  status: DeliveryStatus;
  reason: string | null;
  latencyMs: number;
  deliveryKey: string | null;
  replayKey: string | null;
};

export type TriggerWrite = {
  id: string;
  key: string;
  workflowId: string;
  type: 'schedule' | 'webhook';
  enabled: boolean;
  inputs: Record<string, unknown> | undefined;
  schedule: ScheduleConfig | undefined;
  webhookPath: string | null;
  webhookSecret: string | null;
  webhookRateLimit: number | null;
  webhookVerify: WebhookVerify | null;
  webhookAllowBrowser: boolean;
  webhookRespondOutput: boolean;
  cursorAt: number | null;
  nextRunAt: number | null;
  now: string;
};

export const parseSchedule = (row: TriggerRow): ScheduleConfig | null => (row.schedule === null ? null : (JSON.parse(row.schedule) as ScheduleConfig));

/** The largest test payload kept (its JSON, in bytes); a bigger one is answered to the test call but not stored. */
export const TEST_PAYLOAD_MAX_BYTES = 64 * 1024;
/** Test payloads kept per trigger, newest first. */
export const TEST_PAYLOADS_KEPT = 20;

/** Trigger and delivery rows; a missing row is null. Callers own the transaction. */
export function createTriggersRepository(db: Db) {
  const s = {
    byKey: db.prepare<[string], TriggerRow>('SELECT * FROM triggers WHERE key = ?'),
    byId: db.prepare<[string], TriggerRow>('SELECT * FROM triggers WHERE id = ?'),
    byPath: db.prepare<[string], TriggerRow>('SELECT * FROM triggers WHERE webhook_path = ?'),
    list: db.prepare<[], TriggerRow>('SELECT * FROM triggers ORDER BY key'),
    due: db.prepare<[number], { id: string }>('SELECT id FROM triggers WHERE next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at, id'),
    earliest: db.prepare<[], { at: number | null }>('SELECT MIN(next_run_at) AS at FROM triggers WHERE next_run_at IS NOT NULL'),
    holding: db.prepare<[], { id: string }>('SELECT id FROM triggers WHERE held_execution_id IS NOT NULL'),
    insert: db.prepare(
      `INSERT INTO triggers (id, key, workflow_id, type, enabled, inputs, schedule, webhook_path, webhook_secret, webhook_rate_limit, webhook_verify, webhook_allow_browser,
         webhook_respond_output, cursor_at, next_run_at, created_at, updated_at)
       VALUES (@id, @key, @workflowId, @type, @enabled, @inputs, @schedule, @webhookPath, @webhookSecret, @webhookRateLimit, @webhookVerify, @webhookAllowBrowser,
         @webhookRespondOutput, @cursorAt, @nextRunAt, @now, @now)`,
    ),
    update: db.prepare(
      `UPDATE triggers SET workflow_id = @workflowId, type = @type, enabled = @enabled, inputs = @inputs, schedule = @schedule, webhook_path = @webhookPath,
         webhook_secret = @webhookSecret, webhook_rate_limit = @webhookRateLimit, webhook_verify = @webhookVerify, webhook_allow_browser = @webhookAllowBrowser,
         webhook_respond_output = @webhookRespondOutput, cursor_at = @cursorAt, next_run_at = @nextRunAt, updated_at = @now
       WHERE id = @id`,
    ),
    remove: db.prepare('DELETE FROM triggers WHERE id = ?'),
    setCursor: db.prepare('UPDATE triggers SET cursor_at = ?, next_run_at = ? WHERE id = ?'),
    setRunning: db.prepare('UPDATE triggers SET running_execution_id = ?, held_execution_id = ? WHERE id = ?'),
    insertDelivery: db.prepare(
      `INSERT INTO trigger_deliveries (id, trigger_id, trigger_key, kind, scheduled_for, received_at, execution_id, status, reason, latency_ms, delivery_key, replay_key)
       VALUES (@id, @triggerId, @triggerKey, @kind, @scheduledFor, @receivedAt, @executionId, @status, @reason, @latencyMs, @deliveryKey, @replayKey)
       ON CONFLICT DO NOTHING`,
    ),
    insertSettled: db.prepare(
      `INSERT INTO trigger_deliveries (id, trigger_id, trigger_key, kind, scheduled_for, received_at, execution_id, status, reason, latency_ms, delivery_key, replay_key)
       VALUES (@id, @triggerId, @triggerKey, @kind, @scheduledFor, @receivedAt, @executionId, @status, @reason, @latencyMs, @deliveryKey, @replayKey)
       RETURNING *`,
    ),
    settleDelivery: db.prepare(
      `UPDATE trigger_deliveries SET status = @status, execution_id = @executionId, reason = @reason, latency_ms = @latencyMs, delivery_key = @deliveryKey, replay_key = @replayKey
       WHERE id = @id RETURNING *`,
    ),
    delivery: db.prepare<[string], DeliveryRow>('SELECT * FROM trigger_deliveries WHERE id = ?'),
    keepTestPayload: db.prepare<[string, string]>('UPDATE trigger_deliveries SET test_payload = ? WHERE id = ?'),
    // Only the newest TEST_PAYLOADS_KEPT of a trigger's test payloads stay: older ones are cleared.
    dropOldTestPayloads: db.prepare<[string, string, number]>(
      `UPDATE trigger_deliveries SET test_payload = NULL
       WHERE trigger_id = ? AND test_payload IS NOT NULL
         AND ord < (SELECT ord FROM trigger_deliveries WHERE trigger_id = ? AND test_payload IS NOT NULL ORDER BY ord DESC LIMIT 1 OFFSET ?)`,
    ),
    deliveryByKey: db.prepare<[string, string], DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_id = ? AND delivery_key = ?'),
    deliveryByReplayKey: db.prepare<[string, string], DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_id = ? AND replay_key = ?'),
    count: db.prepare<[string, number, string, string], { count: number }>(
      `INSERT INTO trigger_delivery_counts (trigger_id, minute, reason, status, count) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT (trigger_id, minute, reason) DO UPDATE SET count = trigger_delivery_counts.count + 1 RETURNING count`,
    ),
    pruneCounts: db.prepare<[string, number]>('DELETE FROM trigger_delivery_counts WHERE trigger_id = ? AND minute < ?'),
    counts: db.prepare<[string, number], DeliveryCountRow>(
      'SELECT minute, reason, status, count FROM trigger_delivery_counts WHERE trigger_id = ? ORDER BY minute DESC, reason LIMIT ?',
    ),
    lastDelivery: db.prepare<[string], DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_id = ? ORDER BY ord DESC LIMIT 1'),
    page: db.prepare<[string, number, number], DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_id = ? AND ord < ? ORDER BY ord DESC LIMIT ?'),
    executionStatus: db.prepare<[string], { status: string }>('SELECT status FROM executions WHERE id = ?'),
    // Newest first: the run waiting behind one was recorded after it, usually among the last few rows.
    waitingBehind: db.prepare<[string, string], { id: string }>(
      `SELECT d.execution_id AS id FROM trigger_deliveries d JOIN executions e ON e.id = d.execution_id
       WHERE d.trigger_id = ? AND d.status = 'started' AND d.reason = ? AND e.status = 'waiting' AND e.started_at IS NULL
       ORDER BY d.ord DESC LIMIT 1`,
    ),
  };

  const encode = (t: TriggerWrite) => ({
    ...t,
    enabled: t.enabled ? 1 : 0,
    webhookAllowBrowser: t.webhookAllowBrowser ? 1 : 0,
    webhookRespondOutput: t.webhookRespondOutput ? 1 : 0,
    inputs: t.inputs === undefined ? null : JSON.stringify(t.inputs),
    schedule: t.schedule === undefined ? null : JSON.stringify(t.schedule),
  });

  return {
    byKey: (key: string): TriggerRow | null => s.byKey.get(key) ?? null,
    byId: (id: string): TriggerRow | null => s.byId.get(id) ?? null,
    byPath: (path: string): TriggerRow | null => s.byPath.get(path) ?? null,
    list: (): TriggerRow[] => s.list.all(),
    dueIds: (nowMs: number): string[] => s.due.all(nowMs).map((r) => r.id),
    earliestRun: (): number | null => s.earliest.get()?.at ?? null,
    holdingIds: (): string[] => s.holding.all().map((r) => r.id),
    insert: (t: TriggerWrite) => s.insert.run(encode(t)),
    update: (t: TriggerWrite) => s.update.run(encode(t)),
    remove: (id: string) => s.remove.run(id).changes === 1,
    setCursor: (id: string, cursorAt: number, nextRunAt: number | null) => s.setCursor.run(cursorAt, nextRunAt, id),
    setRunning: (id: string, running: string | null, held: string | null) => s.setRunning.run(running, held, id),
    /** False when the row already exists (same tick or same delivery key): the caller starts nothing. */
    insertDelivery: (d: NewDelivery): boolean => s.insertDelivery.run(d).changes === 1,
    /** A delivery with nothing to claim first (no tick, no delivery key), written once in its final form. */
    insertSettled: (d: NewDelivery): DeliveryRow => s.insertSettled.get(d) as DeliveryRow,
    settleDelivery: (d: {
      id: string;
      status: DeliveryStatus;
      executionId: string | null;
      reason: string | null;
      latencyMs: number;
      deliveryKey: string | null;
      replayKey: string | null;
    }) => s.settleDelivery.get(d) as DeliveryRow,
    delivery: (id: string): DeliveryRow | null => s.delivery.get(id) ?? null,
    /**
     * Keeps a test delivery's payload (for `GET …/deliveries/:id/payload`) when it is at most
     * TEST_PAYLOAD_MAX_BYTES, and only the trigger's newest TEST_PAYLOADS_KEPT: test calls cannot
     * grow the database by more than that per trigger. False when this one was not kept.
     */
    keepTestPayload: (triggerId: string, id: string, payload: unknown): boolean => {
      const text = JSON.stringify(payload ?? null);
      if (Buffer.byteLength(text, 'utf8') > TEST_PAYLOAD_MAX_BYTES) return false;
      s.keepTestPayload.run(text, id);
      s.dropOldTestPayloads.run(triggerId, triggerId, TEST_PAYLOADS_KEPT - 1);
      return true;
    },
    /** The delivery that holds either key (the sender's delivery id, or the signature that proved it). */
    deliveryByKeys: (triggerId: string, keys: { deliveryKey?: string | undefined; replayKey?: string | undefined }): DeliveryRow | null =>
      (keys.deliveryKey !== undefined ? s.deliveryByKey.get(triggerId, keys.deliveryKey) : undefined) ??
      (keys.replayKey !== undefined ? s.deliveryByReplayKey.get(triggerId, keys.replayKey) : undefined) ??
      null,
    /** Adds one to the (trigger, minute, reason) counter; the new count (1: the row was just created). */
    countDelivery: (c: { triggerId: string; minute: number; reason: string; status: 'rejected' | 'skipped' }): number =>
      s.count.get(c.triggerId, c.minute, c.reason, c.status)!.count,
    pruneCounts: (triggerId: string, beforeMinute: number) => s.pruneCounts.run(triggerId, beforeMinute),
    counts: (triggerId: string, limit: number): DeliveryCountRow[] => s.counts.all(triggerId, limit),
    lastDelivery: (triggerId: string): DeliveryRow | null => s.lastDelivery.get(triggerId) ?? null,
    deliveries: (triggerId: string, beforeOrd: number, limit: number): DeliveryRow[] => s.page.all(triggerId, beforeOrd, limit),
    executionStatus: (id: string): string | null => s.executionStatus.get(id)?.status ?? null,
    /** The run still held whose delivery says `queued_behind:<executionId>` (the next link of a catch-up chain). */
    waitingBehind: (triggerId: string, executionId: string): string | null => s.waitingBehind.get(triggerId, `queued_behind:${executionId}`)?.id ?? null,
  };
}

export type TriggersRepository = ReturnType<typeof createTriggersRepository>;
