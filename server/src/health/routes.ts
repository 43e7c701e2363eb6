import type { HealthResponse } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { WEFT_VERSION } from '../version';

/** Public (a load balancer asks without a credential): the version only for a signed-in caller. */
const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/health', async (request): Promise<HealthResponse> => (request.principal?.type === 'user' ? { ok: true, version: WEFT_VERSION } : { ok: true }));
};

export default healthRoutes;
