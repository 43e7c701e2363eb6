import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from './config';
import authRoutes from './auth/routes';
import oidcRoutes from './auth/oidc/routes';
import peopleRoutes from './people/routes';
import { installErrorHandlers } from './http/errors';
import { installJsonBodyParser } from './http/json-body';
import { installSecurityHeaders } from './http/security-headers';
import spa from './http/spa';
import authPlugin from './plugins/auth';
import clockPlugin from './plugins/clock';
import configPlugin from './plugins/config';
import dbPlugin from './plugins/db';
import journalPlugin from './plugins/journal';
import idempotencyPlugin from './plugins/idempotency';
import lifecyclePlugin from './plugins/lifecycle';
import clusterPlugin from './cluster/plugin';
import metricsPlugin from './metrics/plugin';
import metricsRoutes from './metrics/routes';
import storagePlugin from './plugins/storage';
import tracingPlugin from './tracing/plugin';
import auditPlugin from './audit/plugin';
import approvalsPlugin from './approvals/plugin';
import chatPlugin from './chat/plugin';
import draftingPlugin from './drafting/plugin';
import fixesPlugin from './fixes/plugin';
import fixesRoutes from './fixes/routes';
import enginePlugin from './engine/plugin';
import executionsPlugin from './executions/plugin';
import integrationsPlugin from './integrations/plugin';
import livePlugin from './live/plugin';
import notificationsPlugin from './notifications/plugin';
import modelsPlugin from './model/plugin';
import sessionsPlugin from './sessions/plugin';
import toolsPlugin from './tools/plugin';
import triggersPlugin from './triggers/plugin';
import workflowsPlugin from './workflows/plugin';
import retentionPlugin from './retention/plugin';
import healthRoutes from './health/routes';
import eventsRoutes from './journal/routes';
import liveSocket from './live/live-socket';
import sessionsRoutes from './sessions/routes';
import executionsRoutes from './executions/routes';
import approvalsRoutes from './approvals/routes';
import runnerGateway from './engine/runner-gateway';
import chatRoutes from './chat/routes';
import draftingRoutes from './drafting/routes';
import toolsRoutes from './tools/routes';
import askRoutes from './tools/ask-routes';
import gitCredentialRoutes from './tools/git-credential-routes';
import triggersRoutes from './triggers/routes';
import webhooks from './triggers/webhooks';
import integrationsRoutes from './integrations/routes';
import notificationsRoutes from './notifications/routes';
import workflowsRoutes from './workflows/routes';
import auditRoutes from './audit/routes';
import retentionRoutes from './retention/routes';
import type { Clock } from './clock';

export type AppOptions = { config: Config; clock?: Clock };

/**
 * Infrastructure first, then one plugin per capability (each declares what it needs), then the
 * lifecycle that starts and stops them, then the routes, in an order that stays visible.
 */
const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  // `storage` is decorated below; storage failures seen by the error handler reach its health.
  installErrorHandlers(fastify, { onStorageError: (err) => fastify.storage?.failed(err) });
  installSecurityHeaders(fastify);
  // JSON bodies nested deeper than http/json-body.ts allows are a 400, on every route.
  installJsonBodyParser(fastify);
  await fastify.register(configPlugin, { config: opts.config });
  // Before the journal and the model providers, which report to it.
  await fastify.register(metricsPlugin);
  await fastify.register(tracingPlugin);
  await fastify.register(fastifyCookie);
  await fastify.register(dbPlugin);
  await fastify.register(clockPlugin, opts.clock ? { clock: opts.clock } : {});
  await fastify.register(authPlugin);
  await fastify.register(storagePlugin);
  await fastify.register(journalPlugin);
  await fastify.register(idempotencyPlugin);
  // After the journal (it follows other servers' writes into it), before what records this server as a holder.
  await fastify.register(clusterPlugin);
  // After the journal: approvals are audited as their events are written (audit/approval-entries.ts).
  await fastify.register(auditPlugin);
  await fastify.register(workflowsPlugin);
  await fastify.register(sessionsPlugin);
  await fastify.register(executionsPlugin);
  await fastify.register(approvalsPlugin);
  await fastify.register(enginePlugin);
  await fastify.register(modelsPlugin);
  await fastify.register(draftingPlugin);
  await fastify.register(fixesPlugin);
  await fastify.register(triggersPlugin);
  await fastify.register(toolsPlugin);
  await fastify.register(chatPlugin);
  await fastify.register(integrationsPlugin);
  await fastify.register(notificationsPlugin);
  await fastify.register(livePlugin);
  await fastify.register(lifecyclePlugin);
  // After the lifecycle: its onClose (reverse order) stops retention before the journal closes.
  await fastify.register(retentionPlugin);
  // Runner frames carry step outputs (up to 8 MiB); the browser socket enforces its own smaller limit.
  await fastify.register(fastifyWebsocket, { options: { maxPayload: 16 * 1024 * 1024 } });

  await fastify.register(authRoutes);
  await fastify.register(oidcRoutes);
  await fastify.register(peopleRoutes);
  await fastify.register(healthRoutes);
  await fastify.register(metricsRoutes);
  await fastify.register(workflowsRoutes);
  await fastify.register(eventsRoutes);
  await fastify.register(sessionsRoutes);
  await fastify.register(executionsRoutes);
  await fastify.register(approvalsRoutes);
  await fastify.register(draftingRoutes);
  await fastify.register(fixesRoutes);
  await fastify.register(toolsRoutes);
  await fastify.register(askRoutes);
  await fastify.register(gitCredentialRoutes);
  await fastify.register(triggersRoutes);
  await fastify.register(webhooks);
  await fastify.register(integrationsRoutes);
  await fastify.register(notificationsRoutes);
  await fastify.register(chatRoutes);
  await fastify.register(auditRoutes);
  await fastify.register(retentionRoutes);
  await fastify.register(liveSocket);
  await fastify.register(runnerGateway);
  await fastify.register(spa);
};

export default app;
