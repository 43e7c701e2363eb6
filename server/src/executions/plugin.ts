import fp from 'fastify-plugin';
import { createIntegrationsRepository } from '../integrations/integrations-repository';
import { createPreflight } from '../integrations/preflight';
import { createExecutionsService, type ExecutionsService } from './executions-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Executions: start, read, cancel, re-run; the engine drives them. */
    executions: ExecutionsService;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, workflows, sessions, tracing } = app;
    // A start checks its required integrations' rows; the integrations capability itself is built later (it needs executions).
    const preflight = createPreflight({ repo: createIntegrationsRepository(db) });
    app.decorate(
      'executions',
      createExecutionsService({
        db,
        journal,
        clock,
        workflows,
        sessions,
        preflight,
        maxRunDepth: app.config.maxRunDepth,
        audit: app.audit,
        tracing,
        log: app.log,
      }),
    );
  },
  {
    name: 'weft-executions',
    dependencies: ['weft-config', 'weft-db', 'weft-clock', 'weft-journal', 'weft-workflows', 'weft-sessions', 'weft-audit', 'weft-tracing'],
  },
);
