import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { userOf } from '../auth/principal';
import { chatFor } from '../sessions/session-access';
import { parseRequest } from '../http/parse';

const PostMessage = z.object({ content: z.string().trim().min(1).max(20_000) });

const chatRoutes: FastifyPluginAsync = async (app) => {
  // 202: the reply streams over the session topic (message.created / delta / completed).
  app.post('/api/sessions/:id/messages', async (request, reply) => {
    const { id } = chatFor(app, request, 'write');
    const body = parseRequest(PostMessage, request.body, 'body');
    const user = userOf(request.principal, 'write in a chat');
    return app.idempotency.send(request, reply, 202, () => {
      const { message, assistantMessageId } = app.assistant.post({ sessionId: id, content: body.content, user });
      return { message, assistantMessageId };
    });
  });

  // Here rather than with the other session routes: the assistant's replies in it stop first,
  // on whichever server writes them.
  app.delete('/api/sessions/:id', async (request, reply) => {
    const { id } = chatFor(app, request, 'write'); // 404 or 403 before anything stops
    await app.replyStops.stopSession(id);
    app.sessions.deleteSession(id);
    return reply.code(204).send();
  });
};

export default chatRoutes;
