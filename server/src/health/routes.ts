import type { HealthResponse } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../http/errors';
import { WEFT_VERSION } from '../version';

/**
 * `/api/health`: the process answers. Public (a load balancer asks without a credential): it says
 * nothing about the data, and the version only to a signed-in caller.
 * `/api/ready`: the server can take work: its database commits writes. It reveals storage state,
 * so it needs a credential like every `/api/` route; 503 `storage_unavailable` while writes fail.
 */
const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/health', async (request): Promise<HealthResponse> => (request.principal?.type === 'user' ? { ok: true, version: WEFT_VERSION } : { ok: true }));
  app.get('/api/ready', async () => {
    const { storage } = app;
    // A failed state is checked again here, so a disk freed while nothing wrote is seen at once.
    if (storage.failure) storage.probe();
    const failure = storage.failure;
    if (failure) {
      throw new AppError(503, 'storage_unavailable', `not ready: ${failure.reason} (since ${failure.since})`, { since: failure.since, reason: failure.reason });
    }
    return { ready: true, version: WEFT_VERSION };
  });
};

export default healthRoutes;
