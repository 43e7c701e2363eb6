import type { FastifyPluginAsync } from 'fastify';
import { observeJournalEvents } from './journal-events';
import { processMetrics } from './process-metrics';
import { createScrapeGauges } from './scrape-gauges';
import { createStepTypes } from './step-types';

/**
 * `GET /metrics`: this server's registry, then the process's (prom-client's default metrics), in
 * the Prometheus text format. Access: WEFT_METRICS_TOKEN, or a person holding `admin`
 * (auth/route-permissions.ts). Registered after every capability: it listens to the journal and
 * reads the dispatcher's runners and the browser sockets at each scrape.
 */
const metricsRoutes: FastifyPluginAsync = async (app) => {
  const { metrics, journal, db, clock, executions, engine, live } = app;
  const listener = observeJournalEvents({ metrics, stepTypes: createStepTypes({ repo: executions.repo }), llm: metrics.llm });
  const stop = journal.subscribeAll(listener);
  app.addHook('onClose', async () => stop());
  const updateGauges = createScrapeGauges({ metrics, db, clock, runners: engine.dispatcher.runners, live });

  app.get('/metrics', async (_request, reply) => {
    updateGauges();
    const own = await metrics.registry.metrics();
    const process = await processMetrics().metrics();
    return reply.type(metrics.registry.contentType).send(`${own}\n${process}`);
  });
};

export default metricsRoutes;
