import fp from 'fastify-plugin';
import { createLlmUsage, type LlmUsage } from './llm-usage';
import { createMetrics, type Metrics } from './registry';

export type ServerMetrics = Metrics & {
  /** Model tokens and errors; `counted(provider, source)` for calls the journal does not see. */
  llm: LlmUsage;
};

declare module 'fastify' {
  interface FastifyInstance {
    /** This server's Prometheus metrics (`GET /metrics`, metrics/routes.ts). */
    metrics: ServerMetrics;
  }
}

/**
 * The metrics registry and its instruments, registered before the journal and the model providers
 * so they can report to it. What the journal already tells, the gauges read at scrape and the
 * route itself are wired in metrics/routes.ts, once everything they read exists.
 */
export default fp(
  async (app) => {
    const metrics = createMetrics();
    app.decorate('metrics', { ...metrics, llm: createLlmUsage(metrics) });
  },
  { name: 'weft-metrics' },
);
