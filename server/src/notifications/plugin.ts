import fp from 'fastify-plugin';
import { createNotificationsRepository } from './notifications-repository';
import { createNotificationsService, type NotificationsService } from './notifications-service';
import { createNotifyDelivery, type NotifyDelivery } from './notify-delivery';

declare module 'fastify' {
  interface FastifyInstance {
    notifications: {
      /** The Notifications inbox (runs without a chat). */
      inbox: NotificationsService;
      /** Where a notify step's message goes: integration channel, the run's chat, or the inbox. */
      deliver: NotifyDelivery;
    };
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, executions, sessions, integrations, engine } = app;
    const repo = createNotificationsRepository(db);
    const inbox = createNotificationsService({ repo, journal, clock });
    const deliver = createNotifyDelivery({ repo, inbox, journal, clock, grace: engine.grace, executions, sessions, postToChannel: integrations.postToChannel });
    app.decorate('notifications', { inbox, deliver });
  },
  {
    name: 'weft-notifications',
    dependencies: ['weft-db', 'weft-clock', 'weft-journal', 'weft-executions', 'weft-engine', 'weft-sessions', 'weft-integrations'],
  },
);
