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
    // Drafting's model calls are journaled nowhere: their usage is counted at the provider.
    const model = app.metrics.llm.counted(app.models.drafting, 'drafting');
    app.decorate('drafting', createDrafting({ model, timezone: app.config.timezone }));
  },
  { name: 'weft-drafting', dependencies: ['weft-config', 'weft-models', 'weft-metrics'] },
);
