import type { HealthResponse, ReadyChecks, ReadyResponse } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { storeKind } from '../db/store';
import { AppError } from '../http/errors';
import { WEFT_VERSION } from '../version';

/**
 * `/api/health`: the process answers. Public (a load balancer asks without a credential): it says
 * nothing about the data, and the version only to a signed-in caller. Reads nothing.
 * `/api/ready`: the server can take work: its database commits writes and a runner is connected to
 * run it. It reveals storage state, so it needs a credential like every `/api/` route; 503
 * `storage_unavailable` while writes fail, else 503 `no_runner` while no runner is connected.
 */
const healthRoutes: FastifyPluginAsync = async (app) => {
  const { storage, cluster } = app;
  const { dispatcher } = app.engine;
  const { readyProbeEveryMs } = app.config;
  const postgres = storeKind(app.db) === 'postgres';

  app.get('/api/health', async (request): Promise<HealthResponse> => (request.principal?.type === 'user' ? { ok: true, version: WEFT_VERSION } : { ok: true }));

  app.get('/api/ready', async (): Promise<ReadyResponse> => {
    // A failed state is checked again here, so a disk freed while nothing wrote is seen at once. On
    // PostgreSQL, a server elsewhere, a write that commits is what "ready" means: probed at most
    // every readyProbeEveryMs, the last result standing in between.
    if (postgres) await storage.check(readyProbeEveryMs);
    else if (storage.failure) storage.probe();
    const failure = storage.failure;
    // As the dispatcher sees them: a runner silent for a lease period gets no work (engine/dispatcher.ts).
    const connected = dispatcher.healthyRunners();
    // Several servers: a runner connected to any of them runs what this one queues.
    const elsewhere = cluster.shared && !failure ? cluster.liveness.runnersElsewhere() : undefined;
    const checks: ReadyChecks = {
      database: failure ? { ok: false, reason: failure.reason, since: failure.since } : { ok: true },
      runner: { ok: connected + (elsewhere ?? 0) > 0, connected, ...(elsewhere === undefined ? {} : { elsewhere }) },
    };
    if (failure) {
      throw new AppError(503, 'storage_unavailable', `not ready: ${failure.reason} (since ${failure.since})`, {
        since: failure.since,
        reason: failure.reason,
        checks,
      });
    }
    if (!checks.runner.ok) throw new AppError(503, 'no_runner', 'not ready: no runner is connected to run executions', { checks });
    return { ready: true, version: WEFT_VERSION, checks };
  });
};

export default healthRoutes;
