import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../http/errors';
import { WEFT_VERSION } from '../version';

/**
 * `/api/health`: the process answers (public: it says nothing about the data).
 * `/api/ready`: the server can take work: its database commits writes. It reveals storage state,
 * so it needs a credential like every `/api/` route; 503 `storage_unavailable` while writes fail.
 */
const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/health', async () => ({ ok: true, version: WEFT_VERSION }));
  app.get('/api/ready', async () => {
    const { storage } = app.services;
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
