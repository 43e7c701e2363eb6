import fp from 'fastify-plugin';
import { createLiveStats, type LiveStats } from './live-stats';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counters of the browser sockets (`/ws`). */
    live: LiveStats;
  }
}

export default fp(
  async (app) => {
    app.decorate('live', createLiveStats());
  },
  { name: 'weft-live' },
);
