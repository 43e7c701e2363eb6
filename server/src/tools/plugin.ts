import { effectiveScopes, Role } from '@weft/shared';
import fp from 'fastify-plugin';
import { createToolRegistry, type ToolRegistry } from './registry';
import { createExplainTool } from './explain-tool';
import { createUsersStore } from '../people/users-store';
import { createWorkflowTools } from './workflow-tools';

declare module 'fastify' {
  interface FastifyInstance {
    /** One registry of tools for every caller: the API, the assistant and workflow steps. */
    tools: ToolRegistry;
  }
}

/** The registry, holding the built-in `workflows:` tools; integrations add and remove their own. */
export default fp(
  async (app) => {
    const { workflows, executions, approvals, toolApprovals, proposals, drafting, triggerTools, journal, chatVisibility: chats } = app;
    const users = createUsersStore({ db: app.db, clock: app.clock });
    const tools = createToolRegistry({
      toolApprovals,
      // As a request would authenticate them now: their role today, within the credential's own scopes
      // (the access token is the owner's recovery, as in plugins/auth.ts: it outlives a disabled owner row).
      scopesNow: (user) => {
        const row = users.get(user.id);
        if (row === undefined || (row.disabled_at !== null && user.via !== 'token')) return null;
        return effectiveScopes(Role.parse(row.role), user.scopes);
      },
      actingAs: (actor, fn) => app.audit.actingAs(actor, fn),
    });
    tools.register(createWorkflowTools({ workflows, executions, approvals, proposals, drafting, triggers: () => triggerTools, chats }));
    tools.register([createExplainTool({ executions, journal })]);
    app.decorate('tools', tools);
  },
  {
    name: 'weft-tools',
    dependencies: ['weft-audit', 'weft-journal', 'weft-workflows', 'weft-executions', 'weft-approvals', 'weft-drafting', 'weft-triggers'],
  },
);
