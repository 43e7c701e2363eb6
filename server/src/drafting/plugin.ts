import fp from 'fastify-plugin';
import { createDrafting, type Drafting } from './drafting';

declare module 'fastify' {
  interface FastifyInstance {
    /** Drafting and refining workflow definitions from a request in words. */
    drafting: Drafting;
  }
}

export default fp(
  async (app) => {
    app.decorate('drafting', createDrafting({ model: app.models.drafting, timezone: app.config.timezone }));
  },
  { name: 'weft-drafting', dependencies: ['weft-config', 'weft-models'] },
);
