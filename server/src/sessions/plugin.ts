import fp from 'fastify-plugin';
import { createSessionsService, type SessionsService } from './sessions-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Chat sessions and their messages (streamed text is coalesced; `flushAll` writes what is held). */
    sessions: SessionsService;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock } = app;
    app.decorate('sessions', createSessionsService({ db, journal, clock }));
  },
  { name: 'weft-sessions', dependencies: ['weft-db', 'weft-clock', 'weft-journal'] },
);
