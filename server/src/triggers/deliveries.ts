import type { DeliveryCount, DeliveryKind, DeliveryStatus, TriggerDelivery } from '@weft/shared';
import { newId } from '../db/ids';
import type { Clock } from '../clock';
import type { TriggerEvents } from './trigger-events';
import type { DeliveryCountRow, DeliveryRow, TriggerRow, TriggersRepository } from './triggers-repository';

export function toDelivery(r: DeliveryRow): TriggerDelivery {
  const out: TriggerDelivery = {
    id: r.id,
    triggerKey: r.trigger_key,
    kind: r.kind,
    receivedAt: r.received_at,
    status: r.status,
    latencyMs: r.latency_ms,
  };
  if (r.scheduled_for !== null) out.scheduledFor = new Date(r.scheduled_for).toISOString();
  if (r.execution_id !== null) out.executionId = r.execution_id;
  if (r.reason !== null) out.reason = r.reason;
  return out;
}

export const toDeliveryCount = (r: DeliveryCountRow): DeliveryCount => ({
  minute: new Date(r.minute).toISOString(),
  status: r.status,
  reason: r.reason,
  count: r.count,
});

/** Counters older than this are dropped when a trigger's next counter row is created. */
const COUNTS_KEPT_MS = 7 * 24 * 3600_000;

export type DeliveryStart = {
  trigger: TriggerRow;
  kind: DeliveryKind;
  /** Ticks only: the instant the cron named (the exactly-once key). */
  scheduledFor?: number | undefined;
  receivedAt: Date;
  /** The sender's delivery id (X-Weft-Delivery, X-GitHub-Delivery, the Stripe event id). */
  deliveryKey?: string | undefined;
  /** The signature that proved the delivery: the same one again is a replay. */
  replayKey?: string | undefined;
};

/** The right to settle one delivery: `written` when a provisional row holds its tick or delivery key. */
export type DeliveryClaim = { id: string; written: boolean };

/**
 * Delivery rows and their journal events. A delivery is claimed (`open`, which may find the tick or
 * the delivery key taken) and then settled, inside the caller's transaction; `record` does both at once.
 */
export function createDeliveries({ repo, clock, events }: { repo: TriggersRepository; clock: Clock; events: TriggerEvents }) {
  const latencyOf = (d: DeliveryStart) => Math.max(0, Math.round(clock.now().getTime() - (d.scheduledFor ?? d.receivedAt.getTime())));
  const rowOf = (id: string, d: DeliveryStart) => ({
    id,
    triggerId: d.trigger.id,
    triggerKey: d.trigger.key,
    kind: d.kind,
    scheduledFor: d.scheduledFor ?? null,
    receivedAt: d.receivedAt.toISOString(),
  });

  /**
   * Claims the tick or the delivery and replay keys with a provisional row; null when one is taken.
   * A delivery with none has nothing to hold exactly once: its row is written when it settles.
   */
  function open(d: DeliveryStart): DeliveryClaim | null {
    const id = newId('dl');
    if (d.scheduledFor === undefined && d.deliveryKey === undefined && d.replayKey === undefined) return { id, written: false };
    const inserted = repo.insertDelivery({
      ...rowOf(id, d),
      executionId: null,
      status: 'started',
      reason: null,
      latencyMs: 0,
      deliveryKey: d.deliveryKey ?? null,
      replayKey: d.replayKey ?? null,
    });
    return inserted ? { id, written: true } : null;
  }

  function settle(
    claim: DeliveryClaim,
    d: DeliveryStart,
    r: { status: DeliveryStatus; executionId?: string | null; reason?: string | null; keepKey?: boolean },
  ): TriggerDelivery {
    const outcome = {
      status: r.status,
      executionId: r.executionId ?? null,
      reason: r.reason ?? null,
      latencyMs: latencyOf(d),
      // Only a started delivery keeps its keys: a failed or rejected one may be retried.
      deliveryKey: r.keepKey ? (d.deliveryKey ?? null) : null,
      replayKey: r.keepKey ? (d.replayKey ?? null) : null,
    };
    const row = claim.written ? repo.settleDelivery({ id: claim.id, ...outcome }) : repo.insertSettled({ ...rowOf(claim.id, d), ...outcome });
    const delivery = toDelivery(row);
    events.deliveryRecorded(delivery);
    return delivery;
  }

  /**
   * A delivery that starts nothing (skipped, rejected); null when the tick was already recorded, or
   * the `replayKey` already held (a test call's signature: the same test again is a replay). The
   * sender's delivery key is never claimed here: it stays free for the delivery that runs.
   */
  function record(d: DeliveryStart & { status: Exclude<DeliveryStatus, 'started'>; reason: string; executionId?: string | null }): TriggerDelivery | null {
    const claim = open({ ...d, deliveryKey: undefined });
    if (!claim) return null;
    return settle(
      claim,
      { ...d, deliveryKey: undefined },
      { status: d.status, reason: d.reason, executionId: d.executionId ?? null, keepKey: d.replayKey !== undefined },
    );
  }

  /**
   * A webhook call that starts nothing and that anyone could send in bulk: one more on its trigger's
   * counter for this minute and reason. Only a new counter row is journaled (`delivery.counted`),
   * so neither the counters nor the journal grow by a row per request. Inside the caller's transaction.
   */
  function count({ trigger, at, reason, status }: { trigger: TriggerRow; at: Date; reason: string; status: DeliveryCount['status'] }): void {
    const minute = Math.floor(at.getTime() / 60_000) * 60_000;
    if (repo.countDelivery({ triggerId: trigger.id, minute, reason, status }) !== 1) return;
    repo.pruneCounts(trigger.id, minute - COUNTS_KEPT_MS);
    events.deliveryCounted({ triggerKey: trigger.key, ...toDeliveryCount({ minute, reason, status, count: 1 }) });
  }

  return { open, settle, record, count };
}

export type Deliveries = ReturnType<typeof createDeliveries>;
