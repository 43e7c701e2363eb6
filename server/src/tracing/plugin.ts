import fp from 'fastify-plugin';
import { WEFT_VERSION } from '../version';
import { loadTracing, type Tracing } from './tracing';

const SHUTDOWN_LIMIT_MS = 5_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** OpenTelemetry traces: executions, webhook requests (a no-op unless an OTLP endpoint is set). */
    tracing: Tracing;
  }
}

export default fp(
  async (app) => {
    const tracing = await loadTracing(app.config.tracing, WEFT_VERSION);
    app.decorate('tracing', tracing);
    // Registered before the capabilities, so this runs after theirs: spans of executions finished while closing are sent too.
    app.addHook('onClose', async () => {
      try {
        // An unreachable collector must not hold the close up for the exporter's whole timeout.
        await Promise.race([tracing.shutdown(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_LIMIT_MS).unref())]);
      } catch (err) {
        app.log.warn({ err }, 'could not send the last spans');
      }
    });
  },
  { name: 'weft-tracing', dependencies: ['weft-config'] },
);
