import fp from 'fastify-plugin';
import { createAssistant, type Assistant } from './assistant';
import { createChatCommands } from './chat-commands';

declare module 'fastify' {
  interface FastifyInstance {
    /** The chat assistant: answers a session's messages with the model and the tools. */
    assistant: Assistant;
  }
}

export default fp(
  async (app) => {
    const { sessions, tools, models, approvals, toolApprovals, log } = app;
    const commands = createChatCommands({ tools, approvals, toolApprovals, agentAsks: app.agentAsks, fixes: app.fixes });
    app.decorate('assistant', createAssistant({ sessions, tools, commands, model: models.assistant, log }));
  },
  { name: 'weft-chat', dependencies: ['weft-sessions', 'weft-approvals', 'weft-tools', 'weft-models', 'weft-fixes'] },
);
