import fp from 'fastify-plugin';
import { createApprovalsService, type ApprovalsService } from './approvals-service';
import { createToolApprovals, type ToolApprovals } from './tool-approvals';

declare module 'fastify' {
  interface FastifyInstance {
    /** Step approvals: an `approval` step waits for a person's decision (or its timeout). */
    approvals: ApprovalsService;
    /** Tool approvals: a tool call that asks first waits for a person's decision. */
    toolApprovals: ToolApprovals;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, executions } = app;
    app.decorate('approvals', createApprovalsService({ db, journal, clock, executions }));
    app.decorate('toolApprovals', createToolApprovals({ db, journal, clock }));
  },
  { name: 'weft-approvals', dependencies: ['weft-db', 'weft-clock', 'weft-journal', 'weft-executions'] },
);
