import type { DeliveryKind, DeliveryStatus, TriggerDelivery } from '@weft/shared';
import { newId } from '../db/ids';
import type { Clock } from '../workflows/workflows-service';
import type { TriggerEvents } from './trigger-events';
import type { DeliveryRow, TriggerRow, TriggersRepository } from './triggers-repository';

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

export type DeliveryStart = {
  trigger: TriggerRow;
  kind: DeliveryKind;
  /** Ticks only: the instant the cron named (the exactly-once key). */
  scheduledFor?: number | undefined;
  receivedAt: Date;
  deliveryKey?: string | undefined;
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
   * Claims the tick or the delivery key with a provisional row; null when it already has one.
   * A delivery with neither has nothing to hold exactly once: its row is written when it settles.
   */
  function open(d: DeliveryStart): DeliveryClaim | null {
    const id = newId('dl');
    if (d.scheduledFor === undefined && d.deliveryKey === undefined) return { id, written: false };
    const inserted = repo.insertDelivery({ ...rowOf(id, d), executionId: null, status: 'started', reason: null, latencyMs: 0, deliveryKey: d.deliveryKey ?? null });
    return inserted ? { id, written: true } : null;
  }

  function settle(claim: DeliveryClaim, d: DeliveryStart, r: { status: DeliveryStatus; executionId?: string | null; reason?: string | null; keepKey?: boolean }): TriggerDelivery {
    const outcome = {
      status: r.status,
      executionId: r.executionId ?? null,
      reason: r.reason ?? null,
      latencyMs: latencyOf(d),
      // Only a started delivery keeps its X-Weft-Delivery: a failed or rejected one may be retried.
      deliveryKey: r.keepKey ? (d.deliveryKey ?? null) : null,
    };
    const row = claim.written ? repo.settleDelivery({ id: claim.id, ...outcome }) : repo.insertSettled({ ...rowOf(claim.id, d), ...outcome });
    const delivery = toDelivery(row);
    events.deliveryRecorded(delivery);
    return delivery;
  }

  /** A delivery that starts nothing (skipped, rejected); null when the tick was already recorded. */
  function record(d: DeliveryStart & { status: Exclude<DeliveryStatus, 'started'>; reason: string; executionId?: string | null }): TriggerDelivery | null {
    const claim = open({ ...d, deliveryKey: undefined });
    if (!claim) return null;
    return settle(claim, d, { status: d.status, reason: d.reason, executionId: d.executionId ?? null });
  }

  return { open, settle, record };
}

export type Deliveries = ReturnType<typeof createDeliveries>;
