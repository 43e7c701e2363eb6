import fp from 'fastify-plugin';
import { isLoopbackHost } from '../config';
import { createIntegrations, type IntegrationsCapability } from './capability';
import { createIntegrationsRepository } from './integrations-repository';

declare module 'fastify' {
  interface FastifyInstance {
    /** Integrations (MCP, Slack, GitHub), their health checks, provisioning and the conversations store. */
    integrations: IntegrationsCapability;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, workflows, triggers, executions, tools, log, config } = app;
    const allowStdio = config.allowBash ?? isLoopbackHost(config.host);
    const integrations = createIntegrations({
      db,
      repo: createIntegrationsRepository(db),
      journal,
      clock,
      workflows,
      triggers,
      executions,
      tools,
      config,
      allowStdio,
      log,
      audit: app.audit,
    });
    // Saves check tool arguments against what connected integrations offer.
    workflows.addSaveCheck(integrations.saveCheck);
    app.decorate('integrations', integrations);
  },
  {
    name: 'weft-integrations',
    dependencies: ['weft-config', 'weft-db', 'weft-clock', 'weft-journal', 'weft-workflows', 'weft-executions', 'weft-triggers', 'weft-tools', 'weft-audit'],
  },
);
