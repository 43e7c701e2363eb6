import type { Trigger, TriggerDelivery } from '@weft/shared';
import type { Journal } from '../journal/journal';

export const triggerTopic = (key: string) => `trigger:${key}`;
export const TRIGGERS_TOPIC = 'triggers';

/**
 * Journals what a trigger list or detail page follows: every change on `trigger:<key>` and on the
 * `triggers` singleton. Must be called inside journal.transaction, after the rows were written.
 */
export function createTriggerEvents({ journal }: { journal: Journal }) {
  const both = (key: string, type: string, data: unknown) => {
    journal.append(triggerTopic(key), type, data);
    journal.append(TRIGGERS_TOPIC, type, data);
  };
  return {
    updated: (trigger: Trigger) => both(trigger.key, 'trigger.updated', trigger),
    deleted: (key: string) => both(key, 'trigger.deleted', { key }),
    deliveryRecorded: (delivery: TriggerDelivery) => both(delivery.triggerKey, 'delivery.recorded', delivery),
  };
}

export type TriggerEvents = ReturnType<typeof createTriggerEvents>;
