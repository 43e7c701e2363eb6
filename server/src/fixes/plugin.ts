import fp from 'fastify-plugin';
import { createRunExplainer } from '../tools/explain-tool';
import { createFixesService, type FixesService } from './fixes-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Fixes of failed runs: context, diagnosis, proposal, apply, re-run (issue 22 §3). */
    fixes: FixesService;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, executions, workflows, proposals, audit } = app;
    // A fix's model turns are journaled nowhere (only their result): counted at the provider, as the assistant's.
    const model = app.metrics.llm.counted(app.models.assistant, 'assistant');
    const explainer = createRunExplainer({ executions, journal });
    const fixes = createFixesService({ db, journal, clock, executions, workflows, proposals, explainer, model, audit });
    fixes.closeInterrupted();
    app.decorate('fixes', fixes);
  },
  {
    name: 'weft-fixes',
    dependencies: ['weft-db', 'weft-clock', 'weft-journal', 'weft-audit', 'weft-workflows', 'weft-executions', 'weft-models', 'weft-metrics'],
  },
);
