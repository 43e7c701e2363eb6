import { MarkNotificationsReadRequest, NotificationsQuery, type MarkNotificationsReadResponse, type NotificationsResponse } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { parseRequest } from '../http/parse';

/** `GET /api/notifications` (newest first, `?unread=&limit=&before=`) and `POST /api/notifications/read`. */
const notificationsRoutes: FastifyPluginAsync = async (app) => {
  const { inbox } = app.notifications;

  app.get('/api/notifications', async (request): Promise<NotificationsResponse> => {
    return inbox.list(parseRequest(NotificationsQuery, request.query, 'query'));
  });

  app.post('/api/notifications/read', async (request): Promise<MarkNotificationsReadResponse> => {
    return inbox.markRead(parseRequest(MarkNotificationsReadRequest, request.body, 'body'));
  });
};

export default notificationsRoutes;
