import { z } from 'zod';

/** How a notification reads: a notify step's `level` (default `info`). */
export const NotificationLevel = z.enum(['info', 'success', 'warning', 'error']);
export type NotificationLevel = z.infer<typeof NotificationLevel>;

/** One row of the Notifications inbox: a notify step's message for a run that has no chat. */
export const Notification = z.object({
  id: z.string(),
  executionId: z.string(),
  workflowId: z.string(),
  stepId: z.string(),
  title: z.string(),
  message: z.string(),
  level: NotificationLevel,
  createdAt: z.string(),
  /** When a person marked it read; null while unread. */
  readAt: z.string().nullable(),
});
export type Notification = z.infer<typeof Notification>;

const NotificationId = z.string().regex(/^ntf_[0-9a-z]{1,60}$/, { error: 'must be a notification id (ntf_...)' });

/** `?unread=true|false` as a query string says it: anything else is refused, not read as truthy. */
const QueryBoolean = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

/** `GET /api/notifications?unread=&limit=&before=`: newest first; `before` is a notification id (the page's last). */
export const NotificationsQuery = z.strictObject({
  unread: QueryBoolean.optional(),
  limit: z.coerce.number({ error: 'must be a whole number from 1 to 200' }).int().min(1).max(200).default(50),
  before: NotificationId.optional(),
});
export type NotificationsQuery = z.infer<typeof NotificationsQuery>;

export const NotificationsResponse = z.object({
  notifications: z.array(Notification),
  /** Unread notifications in all, for the nav badge (not only this page's). */
  unreadCount: z.number().int().min(0),
});
export type NotificationsResponse = z.infer<typeof NotificationsResponse>;

/** `POST /api/notifications/read`: some by id, or every unread one (exactly one of the two). */
export const MarkNotificationsReadRequest = z
  .strictObject({
    ids: z.array(NotificationId).min(1).max(500).optional(),
    all: z.literal(true, { error: 'must be true' }).optional(),
  })
  .refine((body) => (body.ids === undefined) !== (body.all === undefined), {
    error: 'give either "ids": ["ntf_..."] or "all": true',
    path: ['ids'],
  });
export type MarkNotificationsReadRequest = z.infer<typeof MarkNotificationsReadRequest>;

export const MarkNotificationsReadResponse = z.object({
  /** Notifications this call marked read (already read or unknown ids are not counted). */
  marked: z.number().int().min(0),
  unreadCount: z.number().int().min(0),
});
export type MarkNotificationsReadResponse = z.infer<typeof MarkNotificationsReadResponse>;

/** `notification.read`: these notifications were marked read at `readAt`. */
export const NotificationsRead = z.object({ ids: z.array(z.string()), readAt: z.string(), unreadCount: z.number().int().min(0) });
export type NotificationsRead = z.infer<typeof NotificationsRead>;
