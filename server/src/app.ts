import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from './config';
import authRoutes from './auth/routes';
import { installErrorHandlers } from './http/errors';
import { installSecurityHeaders } from './http/security-headers';
import spa from './http/spa';
import authPlugin from './plugins/auth';
import configPlugin from './plugins/config';
import dbPlugin from './plugins/db';
import servicesPlugin from './plugins/services';
import healthRoutes from './health/routes';
import eventsRoutes from './journal/routes';
import liveSocket from './live/live-socket';
import sessionsRoutes from './sessions/routes';
import executionsRoutes from './executions/routes';
import approvalsRoutes from './approvals/routes';
import runnerGateway from './runner-gateway/gateway';
import chatRoutes from './chat/routes';
import draftingRoutes from './drafting/routes';
import toolsRoutes from './tools/routes';
import triggersRoutes from './triggers/routes';
import webhooks from './triggers/webhooks';
import integrationsRoutes from './integrations/routes';
import workflowsRoutes from './workflows/routes';
import type { Clock } from './clock';

export type AppOptions = { config: Config; clock?: Clock };

/** Infrastructure first, then one plugin per capability, in an order that stays visible. */
const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  // `services` is decorated below; storage failures seen by the error handler reach its health.
  installErrorHandlers(fastify, { onStorageError: (err) => fastify.services?.storage.failed(err) });
  installSecurityHeaders(fastify);
  await fastify.register(configPlugin, { config: opts.config });
  await fastify.register(fastifyCookie);
  await fastify.register(dbPlugin);
  await fastify.register(authPlugin, opts.clock ? { clock: opts.clock } : {});
  await fastify.register(servicesPlugin, opts.clock ? { clock: opts.clock } : {});
  // Runner frames carry step outputs (up to 8 MiB); the browser socket enforces its own smaller limit.
  await fastify.register(fastifyWebsocket, { options: { maxPayload: 16 * 1024 * 1024 } });

  await fastify.register(authRoutes);
  await fastify.register(healthRoutes);
  await fastify.register(workflowsRoutes);
  await fastify.register(eventsRoutes);
  await fastify.register(sessionsRoutes);
  await fastify.register(executionsRoutes);
  await fastify.register(approvalsRoutes);
  await fastify.register(draftingRoutes);
  await fastify.register(toolsRoutes);
  await fastify.register(triggersRoutes);
  await fastify.register(webhooks);
  await fastify.register(integrationsRoutes);
  await fastify.register(chatRoutes);
  await fastify.register(liveSocket);
  await fastify.register(runnerGateway);
  await fastify.register(spa);
};

export default app;
