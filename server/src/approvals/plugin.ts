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
    const { db, journal, clock, executions, audit } = app;
    const approvals = createApprovalsService({ db, journal, clock, executions, audit, log: app.log });
    const toolApprovals = createToolApprovals({ db, journal, clock, isActive: (id) => executions.isActive(id) });
    // A run that ends (canceled, failed, timed out) closes what still waits for a person on it.
    executions.onEnding((ending) => {
      approvals.closeForExecution(ending);
      toolApprovals.closeForExecution(ending);
    });
    app.decorate('approvals', approvals);
    app.decorate('toolApprovals', toolApprovals);
  },
  { name: 'weft-approvals', dependencies: ['weft-db', 'weft-clock', 'weft-audit', 'weft-journal', 'weft-executions'] },
);
