import fp from 'fastify-plugin';
import { createAssistant, type Assistant } from './assistant';
import { createChatCommands } from './chat-commands';
import { createInterruptedReplies } from './interrupted-replies';
import { createReplyStops, type ReplyStops } from './reply-stops';

declare module 'fastify' {
  interface FastifyInstance {
    /** The chat assistant: answers a session's messages with the model and the tools. */
    assistant: Assistant;
    /** Stops a chat's replies, on whichever server writes them. */
    replyStops: ReplyStops;
  }
}

export default fp(
  async (app) => {
    const { sessions, tools, models, approvals, toolApprovals, journal, cluster, log } = app;
    const commands = createChatCommands({ tools, approvals, toolApprovals, agentAsks: app.agentAsks, fixes: app.fixes });
    const assistant = createAssistant({ sessions, tools, commands, model: models.assistant, serverId: cluster.liveness.id, journal, log });
    app.decorate('assistant', assistant);
    // Replies a gone server was writing: finished now, and (several servers) whenever another server goes.
    const interrupted = createInterruptedReplies({ sessions, liveness: cluster.liveness, shared: cluster.shared, writingHere: assistant.writing, log });
    interrupted.finishOrphaned();
    cluster.onGoneServersCheck(() => interrupted.finishOrphaned());
    app.decorate('replyStops', createReplyStops({ assistant, sessions, journal, cluster, log }));
  },
  { name: 'weft-chat', dependencies: ['weft-journal', 'weft-cluster', 'weft-sessions', 'weft-approvals', 'weft-tools', 'weft-models', 'weft-fixes'] },
);
