import fp from 'fastify-plugin';
import { createModels, type Models } from './model-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** The model providers (Anthropic, or offline) drafting and the assistant use. */
    models: Models;
  }
}

export default fp(
  async (app) => {
    app.decorate('models', createModels(app.config.llm));
  },
  { name: 'weft-models', dependencies: ['weft-config'] },
);
