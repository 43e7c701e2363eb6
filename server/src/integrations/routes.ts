import { ConversationsQuery, DeleteIntegrationQuery, IdParams, IntegrationNameParams, PatchConversationRequest } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { parseRequest } from '../http/parse';

/**
 * `/api/integrations` (configuration, status, re-check, provisioning) and `/api/conversations`
 * (what messaging integrations synced). Credentials go in, never out.
 */
const integrationsRoutes: FastifyPluginAsync = async (app) => {
  const { service, conversations } = app.integrations;

  app.get('/api/integrations', async () => ({ integrations: service.list() }));

  app.post('/api/integrations', async (request, reply) => reply.code(201).send(app.audit.actingFor(request.principal, () => service.create(request.body))));

  app.get('/api/integrations/:name', async (request) => {
    const { name } = parseRequest(IntegrationNameParams, request.params, 'params');
    return service.get(name);
  });

  app.patch('/api/integrations/:name', async (request) => {
    const { name } = parseRequest(IntegrationNameParams, request.params, 'params');
    return app.audit.actingFor(request.principal, () => service.patch(name, request.body));
  });

  app.delete('/api/integrations/:name', async (request, reply) => {
    const { name } = parseRequest(IntegrationNameParams, request.params, 'params');
    const { force } = parseRequest(DeleteIntegrationQuery, request.query, 'query');
    // The removal's transaction runs before its first await, so inside `actingFor`.
    await app.audit.actingFor(request.principal, () => service.remove(name, { force: force === 'true' }));
    return reply.code(204).send();
  });

  /** Re-checks now and answers with the result. */
  app.post('/api/integrations/:name/check', async (request) => {
    const { name } = parseRequest(IntegrationNameParams, request.params, 'params');
    return (await app.audit.actingFor(request.principal, () => service.check(name))) ?? service.get(name);
  });

  /** Runs the provisioning templates again (idempotent: nothing is created twice). */
  app.post('/api/integrations/:name/provision', async (request) => {
    const { name } = parseRequest(IntegrationNameParams, request.params, 'params');
    return app.audit.actingFor(request.principal, () => service.provision(name));
  });

  app.get('/api/conversations', async (request) => {
    const q = parseRequest(ConversationsQuery, request.query, 'query');
    return { conversations: conversations.list(q) };
  });

  app.get('/api/conversations/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    return conversations.get(id);
  });

  app.patch('/api/conversations/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(PatchConversationRequest, request.body, 'body');
    return conversations.setStatus(id, body.status);
  });
};

export default integrationsRoutes;
