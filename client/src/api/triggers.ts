import {
  DeliveriesPage,
  DeliveryPayload,
  RunTriggerResponse,
  Trigger,
  TriggerListResponse,
  WebhookPathAvailability,
  type TriggerUpsertRequest,
} from '@weft/shared';
import { request } from './http';

export const triggerKeys = {
  all: ['triggers'] as const,
  list: () => [...triggerKeys.all, 'list'] as const,
  deliveries: (key: string, limit: number) => [...triggerKeys.all, 'deliveries', key, limit] as const,
};

const enc = encodeURIComponent;

/**
 * The whole desired state of `trigger` for `PUT /api/triggers/:key`, with `changes` applied. The
 * secret is never returned and need not be: an omitted secret is kept. `secret` sets one (a
 * sender's), `regenerateSecret` has the server make one (shown once, in the answer).
 */
export function upsertBodyOf(
  trigger: Trigger,
  changes: Partial<Pick<TriggerUpsertRequest, 'enabled'>> & { secret?: string; regenerateSecret?: true } = {},
): TriggerUpsertRequest {
  const { secret, regenerateSecret, ...rest } = changes;
  const base = { workflowId: trigger.workflowId, type: trigger.type, enabled: trigger.enabled, ...(trigger.inputs ? { inputs: trigger.inputs } : {}) };
  if (trigger.type === 'schedule' && trigger.schedule) return { ...base, schedule: trigger.schedule, ...rest } as TriggerUpsertRequest;
  const w = trigger.webhook;
  const webhook = w
    ? {
        path: w.path,
        verify: w.verify,
        rateLimitPerMinute: w.rateLimitPerMinute,
        allowBrowser: w.allowBrowser,
        respondWithOutput: w.respondWithOutput,
        ...(secret !== undefined ? { secret } : {}),
        ...(regenerateSecret ? { regenerateSecret } : {}),
      }
    : undefined;
  return { ...base, ...(webhook ? { webhook } : {}), ...rest } as TriggerUpsertRequest;
}

export const triggersApi = {
  list: (signal?: AbortSignal) => request('/api/triggers', { schema: TriggerListResponse, ...(signal ? { signal } : {}) }).then((r) => r.triggers),
  put: ({ key, body }: { key: string; body: TriggerUpsertRequest }) => request(`/api/triggers/${enc(key)}`, { method: 'PUT', body, schema: Trigger }),
  remove: (key: string) => request(`/api/triggers/${enc(key)}`, { method: 'DELETE' }),
  /** Fire now (a `manual` delivery), whatever `enabled` says. */
  runNow: (key: string) => request(`/api/triggers/${enc(key)}/run`, { method: 'POST', schema: RunTriggerResponse, idempotent: true }),
  deliveries: ({ key, limit }: { key: string; limit: number }, signal?: AbortSignal) =>
    request(`/api/triggers/${enc(key)}/deliveries?limit=${limit}`, { schema: DeliveriesPage, ...(signal ? { signal } : {}) }),
  deliveryPayload: ({ key, deliveryId }: { key: string; deliveryId: string }, signal?: AbortSignal) =>
    request(`/api/triggers/${enc(key)}/deliveries/${enc(deliveryId)}/payload`, { schema: DeliveryPayload, ...(signal ? { signal } : {}) }),
  /** Who owns `/hooks/<path>`; `exceptKey` is the trigger being edited (its own path is free). */
  webhookPath: ({ path, exceptKey }: { path: string; exceptKey?: string | undefined }, signal?: AbortSignal) =>
    request(`/api/triggers/webhook-paths/${path.split('/').map(enc).join('/')}${exceptKey ? `?exceptKey=${enc(exceptKey)}` : ''}`, {
      schema: WebhookPathAvailability,
      ...(signal ? { signal } : {}),
    }),
};
