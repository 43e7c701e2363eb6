import { Message, MessagesPage, Session, SessionListResponse } from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

export const sessionKeys = {
  all: ['sessions'] as const,
  list: () => [...sessionKeys.all, 'list'] as const,
  detail: (id: string) => [...sessionKeys.all, 'detail', id] as const,
};

export const PostMessageResponse = z.object({ message: Message, assistantMessageId: z.string().nullable().optional() });
export type PostMessageResponse = z.infer<typeof PostMessageResponse>;

const enc = encodeURIComponent;

export const sessionsApi = {
  list: (signal?: AbortSignal) => request('/api/sessions', { schema: SessionListResponse, ...(signal ? { signal } : {}) }).then((r) => r.sessions),
  get: (id: string, signal?: AbortSignal) => request(`/api/sessions/${enc(id)}`, { schema: Session, ...(signal ? { signal } : {}) }),
  create: (title?: string) => request('/api/sessions', { method: 'POST', body: title === undefined ? {} : { title }, schema: Session, idempotent: true }),
  /** The newest `limit` messages before `before`, oldest first, and the session topic's seq they are consistent with. */
  messages: ({ id, before, limit = 100 }: { id: string; before?: string; limit?: number }, signal?: AbortSignal) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) query.set('before', before);
    return request(`/api/sessions/${enc(id)}/messages?${query}`, { schema: MessagesPage, ...(signal ? { signal } : {}) });
  },
  rename: ({ id, title }: { id: string; title: string }) => request(`/api/sessions/${enc(id)}`, { method: 'PATCH', body: { title }, schema: Session }),
  /** 409 `session_busy` while a run of the chat is in progress. */
  remove: (id: string) => request(`/api/sessions/${enc(id)}`, { method: 'DELETE' }),
  post: ({ id, content }: { id: string; content: string }) =>
    request(`/api/sessions/${enc(id)}/messages`, { method: 'POST', body: { content }, schema: PostMessageResponse, idempotent: true }),
};
