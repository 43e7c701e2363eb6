import { CreateSessionRequest, MessagesQuery, RenameSessionRequest } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { userOf } from '../auth/principal';
import { parseRequest } from '../http/parse';
import { chatFor } from './session-access';

const sessionsRoutes: FastifyPluginAsync = async (app) => {
  const sessions = app.sessions;

  app.post('/api/sessions', async (request, reply) => {
    const body = parseRequest(CreateSessionRequest, request.body ?? {}, 'body');
    const person = userOf(request.principal, 'start a chat');
    return app.idempotency.send(request, reply, 201, () => sessions.createSession({ title: body.title, ownerId: person.id }));
  });

  // One's own chats; an admin sees everyone's (each with its ownerId and ownerName).
  app.get('/api/sessions', async (request) => {
    const person = userOf(request.principal, 'list chats');
    return { sessions: sessions.listSessions({ ownerId: person.scopes.includes('admin') ? null : person.id }) };
  });

  app.get('/api/sessions/:id', async (request) => chatFor(app, request, 'read'));

  app.patch('/api/sessions/:id', async (request) => {
    const { id } = chatFor(app, request, 'write');
    const body = parseRequest(RenameSessionRequest, request.body, 'body');
    return sessions.renameSession({ id, title: body.title });
  });

  app.get('/api/sessions/:id/messages', async (request) => {
    const { id } = chatFor(app, request, 'read');
    const q = parseRequest(MessagesQuery, request.query, 'query');
    return sessions.listMessages({ sessionId: id, before: q.before, limit: q.limit });
  });
};

export default sessionsRoutes;
