import fp from 'fastify-plugin';
import { isLoopbackHost } from '../config';
import { createIntegrationsRepository } from '../integrations/integrations-repository';
import { createPreflight } from '../integrations/preflight';
import type { TriggerTools } from '../tools/workflow-tools';
import { createTriggersService, withoutGeneratedSecret, type TriggersService } from './triggers-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Schedules and webhooks: their configuration, deliveries and the scheduler. */
    triggers: TriggersService;
    /** The triggers as the `workflows:` trigger tools see them (a generated webhook secret is not shown). */
    triggerTools: TriggerTools;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, workflows, executions, log } = app;
    // Enabling checks the required integrations' rows; the integrations capability itself is built later (it needs triggers).
    const preflight = createPreflight({ repo: createIntegrationsRepository(db) });
    const allowUnsignedHooks = app.config.allowUnsignedHooks || isLoopbackHost(app.config.host);
    const triggers = createTriggersService({ db, journal, clock, workflows, executions, log, preflight, allowUnsignedHooks, audit: app.audit });
    app.decorate('triggers', triggers);
    app.decorate('triggerTools', {
      list: () => triggers.list(),
      upsert: (key, body) => withoutGeneratedSecret(triggers.upsert(key, body)),
      remove: (key) => triggers.remove(key),
      removeForWorkflow: (id) => triggers.removeForWorkflow(id),
    } satisfies TriggerTools);
  },
  { name: 'weft-triggers', dependencies: ['weft-config', 'weft-db', 'weft-clock', 'weft-journal', 'weft-workflows', 'weft-executions', 'weft-audit'] },
);
