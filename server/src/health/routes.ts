import type { FastifyPluginAsync } from 'fastify';
import { WEFT_VERSION } from '../version';

const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/health', async () => ({ ok: true, version: WEFT_VERSION }));
};

export default healthRoutes;
