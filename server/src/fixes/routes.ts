import { CreateFixRequest, IdParams } from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { userOf } from '../auth/principal';
import { parseRequest } from '../http/parse';
import { chatById } from '../sessions/session-access';

/** Apply and re-run take no options: an empty body (or none). */
const NoOptions = z.object({}).strict();

const fixesRoutes: FastifyPluginAsync = async (app) => {
  const fixes = app.fixes;
  // A fix names the chat it was asked in only to who may read that chat (sessions/chat-visibility.ts).
  const viewerOf = (request: FastifyRequest) => app.chatVisibility.viewer(request.principal);

  // "Fix with the assistant": the same `/fix <run>` message as typed, in the chat named or a new one of the caller's.
  app.post('/api/executions/:id/fixes', async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(CreateFixRequest, request.body ?? {}, 'body');
    const person = userOf(request.principal, 'ask for a fix');
    const run = fixes.assertFixable(id);
    const title = `Fix ${run.workflowName ?? run.workflowId}`.slice(0, 60);
    const chat = body.sessionId ? chatById(app, request.principal, body.sessionId, 'write').id : null;
    return app.idempotency.send(request, reply, 202, () => {
      const sessionId = chat ?? app.sessions.createSession({ title, ownerId: person.id }).id;
      const { assistantMessageId } = app.assistant.post({ sessionId, content: `/fix ${id}`, user: person });
      return { sessionId, messageId: assistantMessageId };
    });
  });

  app.get('/api/executions/:id/fixes', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const viewer = viewerOf(request);
    return { fixes: fixes.listFor(id).map(viewer.redact) };
  });

  app.get('/api/fixes/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    return viewerOf(request).redact(fixes.get(id));
  });

  app.post('/api/fixes/:id/apply', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    parseRequest(NoOptions, request.body ?? {}, 'body');
    const person = userOf(request.principal, 'apply a fix');
    const applied = app.audit.actingFor(request.principal, () => fixes.apply({ id, user: person }));
    return { ...applied, fix: viewerOf(request).redact(applied.fix) };
  });

  app.post('/api/fixes/:id/rerun', async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    parseRequest(NoOptions, request.body ?? {}, 'body');
    const person = userOf(request.principal, 're-run a fix');
    return app.idempotency.send(request, reply, 202, () => {
      const rerun = app.audit.actingFor(request.principal, () => fixes.rerun({ id, user: person }));
      return { ...rerun, fix: viewerOf(request).redact(rerun.fix) };
    });
  });
};

export default fixesRoutes;
