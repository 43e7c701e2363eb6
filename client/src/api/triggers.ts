import { DeliveriesPage, RunTriggerResponse, Trigger, TriggerListResponse, type TriggerUpsertRequest } from '@weft/shared';
import { request } from './http';

export const triggerKeys = {
  all: ['triggers'] as const,
  list: () => [...triggerKeys.all, 'list'] as const,
  deliveries: (key: string, limit: number) => [...triggerKeys.all, 'deliveries', key, limit] as const,
};

const enc = encodeURIComponent;

/**
 * The whole desired state of `trigger` for `PUT /api/triggers/:key`, with `changes` applied. The
 * secret is never returned, so it cannot be sent back: callers only use this for triggers without
 * one, or say that saving removes it.
 */
export function upsertBodyOf(trigger: Trigger, changes: Partial<Pick<TriggerUpsertRequest, 'enabled'>> = {}): TriggerUpsertRequest {
  const base = { workflowId: trigger.workflowId, type: trigger.type, enabled: trigger.enabled, ...(trigger.inputs ? { inputs: trigger.inputs } : {}) };
  if (trigger.type === 'schedule' && trigger.schedule) return { ...base, schedule: trigger.schedule, ...changes } as TriggerUpsertRequest;
  const webhook = trigger.webhook ? { path: trigger.webhook.path, rateLimitPerMinute: trigger.webhook.rateLimitPerMinute } : undefined;
  return { ...base, ...(webhook ? { webhook } : {}), ...changes } as TriggerUpsertRequest;
}

export const triggersApi = {
  list: (signal?: AbortSignal) => request('/api/triggers', { schema: TriggerListResponse, ...(signal ? { signal } : {}) }).then((r) => r.triggers),
  put: ({ key, body }: { key: string; body: TriggerUpsertRequest }) => request(`/api/triggers/${enc(key)}`, { method: 'PUT', body, schema: Trigger }),
  remove: (key: string) => request(`/api/triggers/${enc(key)}`, { method: 'DELETE' }),
  /** Fire now (a `manual` delivery), whatever `enabled` says. */
  runNow: (key: string) => request(`/api/triggers/${enc(key)}/run`, { method: 'POST', schema: RunTriggerResponse }),
  deliveries: ({ key, limit }: { key: string; limit: number }, signal?: AbortSignal) =>
    request(`/api/triggers/${enc(key)}/deliveries?limit=${limit}`, { schema: DeliveriesPage, ...(signal ? { signal } : {}) }),
};
