import { MarkNotificationsReadResponse, NotificationsResponse, type MarkNotificationsReadRequest } from '@weft/shared';
import { request } from './http';

export const notificationKeys = {
  all: ['notifications'] as const,
  head: () => [...notificationKeys.all, 'head'] as const,
  list: (filter: { unread: boolean }) => [...notificationKeys.all, 'list', filter] as const,
};

export const notificationsApi = {
  list: ({ unread, limit, before }: { unread?: boolean; limit?: number; before?: string }, signal?: AbortSignal) => {
    const query = new URLSearchParams();
    if (unread !== undefined) query.set('unread', String(unread));
    if (limit !== undefined) query.set('limit', String(limit));
    if (before !== undefined) query.set('before', before);
    return request(`/api/notifications?${query}`, { schema: NotificationsResponse, ...(signal ? { signal } : {}) });
  },
  markRead: (body: MarkNotificationsReadRequest) => request('/api/notifications/read', { method: 'POST', body, schema: MarkNotificationsReadResponse }),
};
