import fp from 'fastify-plugin';
import { createProposalsService, type ProposalsService } from './proposals-service';
import { createWorkflowsService, type WorkflowsService } from './workflows-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Workflow definitions and their versions, for the REST routes and the workflow tools alike. */
    workflows: WorkflowsService;
    /** Proposed changes to a workflow, applied or discarded by a person. */
    proposals: ProposalsService;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock } = app;
    const workflows = createWorkflowsService({ db, clock, audit: app.audit });
    app.decorate('workflows', workflows);
    app.decorate('proposals', createProposalsService({ db, journal, clock, workflows }));
  },
  { name: 'weft-workflows', dependencies: ['weft-db', 'weft-clock', 'weft-journal', 'weft-audit'] },
);
