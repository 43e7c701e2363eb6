import { DeliveriesQuery, DeliveryPayloadParams, TriggerKeyParams, WebhookPath, WebhookPathQuery } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { userOf } from '../auth/principal';
import { parseRequest } from '../http/parse';

/** `/api/triggers`: configuration, delivery history and manual fires. Webhooks live in ./webhooks. */
const triggersRoutes: FastifyPluginAsync = async (app) => {
  const triggers = app.triggers;

  app.get('/api/triggers', async () => ({ triggers: triggers.list() }));

  // The path may hold `/`, so it is the wildcard; a static segment wins over `:key` in routing.
  app.get('/api/triggers/webhook-paths/*', async (request) => {
    const { '*': path } = parseRequest(z.object({ '*': WebhookPath }), request.params, 'params');
    const { exceptKey } = parseRequest(WebhookPathQuery, request.query, 'query');
    return triggers.webhookPathOwner(path, exceptKey);
  });

  app.get('/api/triggers/:key', async (request) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    return triggers.get(key);
  });

  app.put('/api/triggers/:key', async (request) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    return app.audit.actingFor(request.principal, () => triggers.upsert(key, request.body));
  });

  app.delete('/api/triggers/:key', async (request, reply) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    app.audit.actingFor(request.principal, () => triggers.remove(key));
    return reply.code(204).send();
  });

  app.get('/api/triggers/:key/deliveries', async (request) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    const q = parseRequest(DeliveriesQuery, request.query, 'query');
    return triggers.listDeliveries(key, q);
  });

  app.get('/api/triggers/:key/deliveries/:deliveryId/payload', async (request) => {
    const { key, deliveryId } = parseRequest(DeliveryPayloadParams, request.params, 'params');
    return triggers.deliveryPayload(key, deliveryId);
  });

  app.post('/api/triggers/:key/run', async (request, reply) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    const person = userOf(request.principal, 'run a trigger');
    return app.idempotency.send(request, reply, 202, () => app.audit.actingFor(request.principal, () => triggers.runNow(key, { kind: 'user', id: person.id })));
  });
};

export default triggersRoutes;
