import { ConversationListResponse, Integration, IntegrationListResponse } from '@weft/shared';
import { z } from 'zod';
import { request } from '../api/http';

export const integrationKeys = {
  all: ['integrations'] as const,
  list: () => [...integrationKeys.all, 'list'] as const,
  conversations: (status: 'open' | 'closed' | 'all') => ['conversations', status] as const,
  anyConversation: () => ['conversations', 'any'] as const,
};

const enc = encodeURIComponent;
const opt = (signal: AbortSignal | undefined) => (signal === undefined ? {} : { signal });

export const integrationsApi = {
  list: (signal?: AbortSignal) => request('/api/integrations', { schema: IntegrationListResponse, ...opt(signal) }).then((r) => r.integrations),
  create: (body: { provider: string; name: string; config: Record<string, unknown>; credentials?: Record<string, unknown> }) =>
    request('/api/integrations', { method: 'POST', body, schema: Integration }),
  /** Each part given replaces the stored one; status starts over at `pending`. */
  update: (name: string, body: { config?: Record<string, unknown>; credentials?: Record<string, unknown> }) =>
    request(`/api/integrations/${enc(name)}`, { method: 'PATCH', body, schema: Integration }),
  check: (name: string) => request(`/api/integrations/${enc(name)}/check`, { method: 'POST', schema: Integration }),
  remove: (name: string, force: boolean) => request(`/api/integrations/${enc(name)}${force ? '?force=true' : ''}`, { method: 'DELETE' }),
  conversations: (status: 'open' | 'closed' | 'all', signal?: AbortSignal) =>
    request(`/api/conversations${status === 'all' ? '' : `?status=${status}`}`, { schema: ConversationListResponse, ...opt(signal) }).then(
      (r) => r.conversations,
    ),
  /** Whether any conversation exists at all, whatever its status. */
  hasConversations: (signal?: AbortSignal) =>
    request('/api/conversations?limit=1', { schema: ConversationListResponse, ...opt(signal) }).then((r) => r.conversations.length > 0),
};

export const ProviderName = z.enum(['github', 'slack', 'mcp']);
export type ProviderName = z.infer<typeof ProviderName>;
