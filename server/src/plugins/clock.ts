import fp from 'fastify-plugin';
import { systemClock, type Clock } from '../clock';

declare module 'fastify' {
  interface FastifyInstance {
    /** The one clock every capability reads; tests pass a fake one to the app. */
    clock: Clock;
  }
}

export default fp<{ clock?: Clock }>(
  async (app, opts) => {
    app.decorate('clock', opts.clock ?? systemClock);
  },
  { name: 'weft-clock' },
);
