import { IdParams } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseRequest } from '../http/parse';

const PostMessage = z.object({ content: z.string().trim().min(1).max(20_000) });

const chatRoutes: FastifyPluginAsync = async (app) => {
  // 202: the reply streams over the session topic (message.created / delta / completed).
  app.post('/api/sessions/:id/messages', async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(PostMessage, request.body, 'body');
    const { message, assistantMessageId } = app.assistant.post({ sessionId: id, content: body.content });
    return reply.code(202).send({ message, assistantMessageId });
  });
};

export default chatRoutes;
