import { DeliveriesQuery, TriggerKeyParams } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { parseRequest } from '../http/parse';

/** `/api/triggers`: configuration, delivery history and manual fires. Webhooks live in ./webhooks. */
const triggersRoutes: FastifyPluginAsync = async (app) => {
  const triggers = app.triggers;

  app.get('/api/triggers', async () => ({ triggers: triggers.list() }));

  app.get('/api/triggers/:key', async (request) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    return triggers.get(key);
  });

  app.put('/api/triggers/:key', async (request) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    return triggers.upsert(key, request.body);
  });

  app.delete('/api/triggers/:key', async (request, reply) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    triggers.remove(key);
    return reply.code(204).send();
  });

  app.get('/api/triggers/:key/deliveries', async (request) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    const q = parseRequest(DeliveriesQuery, request.query, 'query');
    return triggers.listDeliveries(key, q);
  });

  app.post('/api/triggers/:key/run', async (request, reply) => {
    const { key } = parseRequest(TriggerKeyParams, request.params, 'params');
    return reply.code(202).send(triggers.runNow(key));
  });
};

export default triggersRoutes;
