import type { Notification, NotificationLevel } from '@weft/shared';
import type { Db } from '../db/open';

type NotificationRow = {
  id: string;
  execution_id: string;
  workflow_id: string;
  step_id: string;
  title: string;
  message: string;
  level: NotificationLevel;
  created_at: string;
  read_at: string | null;
};

const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  executionId: r.execution_id,
  workflowId: r.workflow_id,
  stepId: r.step_id,
  title: r.title,
  message: r.message,
  level: r.level,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/**
 * The inbox rows and the notify deliveries (one per message key). Ids are time-ordered
 * (`newId`), so "newest first" and the `before` cursor are both the id order.
 */
export function createNotificationsRepository(db: Db) {
  const s = {
    insert: db.prepare<[NotificationRow]>(
      `INSERT INTO notifications (id, execution_id, workflow_id, step_id, title, message, level, created_at, read_at)
       VALUES (@id, @execution_id, @workflow_id, @step_id, @title, @message, @level, @created_at, @read_at)`,
    ),
    page: db.prepare<{ unread: 0 | 1; before: string | null; limit: number }, NotificationRow>(
      `SELECT * FROM notifications
       WHERE (@unread = 0 OR read_at IS NULL) AND (CAST(@before AS TEXT) IS NULL OR id < @before)
       ORDER BY id DESC LIMIT @limit`,
    ),
    unreadCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM notifications WHERE read_at IS NULL'),
    unreadIds: db.prepare<[], { id: string }>('SELECT id FROM notifications WHERE read_at IS NULL ORDER BY id'),
    markRead: db.prepare<[string, string], { id: string }>('UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL RETURNING id'),
    delivery: db.prepare<[string, string], { delivered: string }>('SELECT delivered FROM notify_deliveries WHERE execution_id = ? AND key = ?'),
    insertDelivery: db.prepare<[string, string, string, string]>(
      'INSERT INTO notify_deliveries (execution_id, key, delivered, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
  };

  return {
    insert(n: Notification): void {
      s.insert.run({
        id: n.id,
        execution_id: n.executionId,
        workflow_id: n.workflowId,
        step_id: n.stepId,
        title: n.title,
        message: n.message,
        level: n.level,
        created_at: n.createdAt,
        read_at: n.readAt,
      });
    },
    page: ({ unread, before, limit }: { unread: boolean; before: string | undefined; limit: number }): Notification[] =>
      s.page.all({ unread: unread ? 1 : 0, before: before ?? null, limit }).map(toNotification),
    unreadCount: (): number => s.unreadCount.get()!.n,
    unreadIds: (): string[] => s.unreadIds.all().map((r) => r.id),
    /** Marks each id read; returns the ids that were unread (unknown and already read ids are skipped). */
    markRead({ ids, readAt }: { ids: readonly string[]; readAt: string }): string[] {
      return ids.flatMap((id) => (s.markRead.get(readAt, id) ? [id] : []));
    },
    /** The destinations a message key was delivered to, or null when it was not delivered yet. */
    deliveryOf: ({ executionId, key }: { executionId: string; key: string }): string[] | null => {
      const row = s.delivery.get(executionId, key);
      return row ? (JSON.parse(row.delivered) as string[]) : null;
    },
    recordDelivery({ executionId, key, delivered, at }: { executionId: string; key: string; delivered: readonly string[]; at: string }): void {
      s.insertDelivery.run(executionId, key, JSON.stringify(delivered), at);
    },
  };
}

export type NotificationsRepository = ReturnType<typeof createNotificationsRepository>;
