import fp from 'fastify-plugin';
import { createAssistant, type Assistant } from './assistant';

declare module 'fastify' {
  interface FastifyInstance {
    /** The chat assistant: answers a session's messages with the model and the tools. */
    assistant: Assistant;
  }
}

export default fp(
  async (app) => {
    const { sessions, tools, models, log } = app;
    app.decorate('assistant', createAssistant({ sessions, tools, model: models.assistant, log }));
  },
  { name: 'weft-chat', dependencies: ['weft-sessions', 'weft-tools', 'weft-models'] },
);
