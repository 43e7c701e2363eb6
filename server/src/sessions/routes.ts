import { CreateSessionRequest, IdParams, MessagesQuery, RenameSessionRequest, type Session } from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { userOf } from '../auth/principal';
import { parseRequest } from '../http/parse';
import { assertChatReadable, assertChatWritable } from './session-access';

/**
 * The chat a request names, once the person may read it (404 otherwise) or, for `write`, write in
 * it (403 `not_your_chat` for an admin in someone else's chat). The chat routes use it too.
 */
export function chatFor(app: { sessions: { getSession(id: string): Session } }, request: FastifyRequest, access: 'read' | 'write'): Session {
  const { id } = parseRequest(IdParams, request.params, 'params');
  const person = userOf(request.principal, access === 'read' ? 'read a chat' : 'write in a chat');
  const session = app.sessions.getSession(id);
  const owned = { id, ownerId: session.ownerId ?? 'owner' };
  if (access === 'read') assertChatReadable(person, owned);
  else assertChatWritable(person, owned);
  return session;
}

const sessionsRoutes: FastifyPluginAsync = async (app) => {
  const sessions = app.sessions;

  app.post('/api/sessions', async (request, reply) => {
    const body = parseRequest(CreateSessionRequest, request.body ?? {}, 'body');
    const person = userOf(request.principal, 'start a chat');
    return reply.code(201).send(sessions.createSession({ title: body.title, ownerId: person.id }));
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
