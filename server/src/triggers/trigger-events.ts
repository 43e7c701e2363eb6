import {
  TRIGGERS_TOPIC,
  triggerTopic,
  type DeliveryCount,
  type JournalEventData,
  type JournalEventType,
  type Trigger,
  type TriggerDelivery,
} from '@weft/shared';
import type { Journal } from '../journal/journal';

/**
 * Journals what a trigger list or detail page follows: every change on `trigger:<key>` and on the
 * `triggers` singleton. Must be called inside journal.transaction, after the rows were written.
 *
 * `triggers` is what a list follows: of one trigger's deliveries committed together it keeps only
 * the latest (a busy webhook fires hundreds of times a second); `trigger:<key>` has every one.
 */
export function createTriggerEvents({ journal }: { journal: Journal }) {
  const both = <T extends JournalEventType>(key: string, type: T, data: JournalEventData<T>, snapshot = false) => {
    journal.append(triggerTopic(key), type, data);
    journal.append(TRIGGERS_TOPIC, type, data, { entity: key, snapshot });
  };
  return {
    updated: (trigger: Trigger) => both(trigger.key, 'trigger.updated', trigger),
    deleted: (key: string) => both(key, 'trigger.deleted', { key }),
    deliveryRecorded: (delivery: TriggerDelivery) => both(delivery.triggerKey, 'delivery.recorded', delivery, true),
    /** A new per-minute counter of refused calls or replays (further ones in that minute add no event). */
    deliveryCounted: (count: DeliveryCount & { triggerKey: string }) => both(count.triggerKey, 'delivery.counted', count),
  };
}

export type TriggerEvents = ReturnType<typeof createTriggerEvents>;
