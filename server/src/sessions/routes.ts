import { CreateSessionRequest, IdParams, MessagesQuery, RenameSessionRequest } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { parseRequest } from '../http/parse';

const sessionsRoutes: FastifyPluginAsync = async (app) => {
  const sessions = app.sessions;

  app.post('/api/sessions', async (request, reply) => {
    const body = parseRequest(CreateSessionRequest, request.body ?? {}, 'body');
    return reply.code(201).send(sessions.createSession({ title: body.title }));
  });

  app.get('/api/sessions', async () => ({ sessions: sessions.listSessions() }));

  app.get('/api/sessions/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    return sessions.getSession(id);
  });

  app.patch('/api/sessions/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(RenameSessionRequest, request.body, 'body');
    return sessions.renameSession({ id, title: body.title });
  });

  app.get('/api/sessions/:id/messages', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const q = parseRequest(MessagesQuery, request.query, 'query');
    return sessions.listMessages({ sessionId: id, before: q.before, limit: q.limit });
  });
};

export default sessionsRoutes;
