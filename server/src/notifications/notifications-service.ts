import { notificationsTopic, type MarkNotificationsReadRequest, type Notification, type NotificationsQuery, type NotificationsResponse } from '@weft/shared';
import type { Clock } from '../clock';
import { newId } from '../db/ids';
import type { Journal } from '../journal/journal';
import type { NotificationsRepository } from './notifications-repository';

/**
 * The Notifications inbox: rows written by notify deliveries, read and marked read by a person.
 * Every change is journaled on the `notifications` topic in the same transaction.
 */
export function createNotificationsService({ repo, journal, clock }: { repo: NotificationsRepository; journal: Journal; clock: Clock }) {
  return {
    list(q: NotificationsQuery): NotificationsResponse {
      return { notifications: repo.page({ unread: q.unread ?? false, before: q.before, limit: q.limit }), unreadCount: repo.unreadCount() };
    },

    /** Adds a row (inside the caller's transaction when there is one). */
    add(input: Omit<Notification, 'id' | 'createdAt' | 'readAt'>): Notification {
      return journal.transaction(() => {
        const notification: Notification = { ...input, id: newId('ntf'), createdAt: clock.now().toISOString(), readAt: null };
        repo.insert(notification);
        journal.append(notificationsTopic(), 'notification.created', notification);
        return notification;
      });
    },

    markRead(body: MarkNotificationsReadRequest): { marked: number; unreadCount: number } {
      return journal.transaction(() => {
        const readAt = clock.now().toISOString();
        const ids = repo.markRead({ ids: body.all ? repo.unreadIds() : (body.ids ?? []), readAt });
        const unreadCount = repo.unreadCount();
        if (ids.length > 0) journal.append(notificationsTopic(), 'notification.read', { ids, readAt, unreadCount });
        return { marked: ids.length, unreadCount };
      });
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
