import fp from 'fastify-plugin';
import { createApprovalsService, type ApprovalsService } from '../approvals/approvals-service';
import { isLoopbackHost } from '../config';
import { createExecutionsService, type ExecutionsService } from '../executions/executions-service';
import { createTimers } from '../executions/timers';
import { createJournal, type Journal } from '../journal/journal';
import { createTopicAccess, type TopicAccess } from '../journal/topics';
import { createAgentMessages } from '../runner-gateway/agent-messages';
import { createDispatcher, type Dispatcher } from '../runner-gateway/dispatcher';
import { createEngineTicker } from '../runner-gateway/engine-ticker';
import { createIngest, type Ingest } from '../runner-gateway/ingest';
import { createSessionsService, type SessionsService } from '../sessions/sessions-service';
import { createWorkflowsService, systemClock, type Clock, type WorkflowsService } from '../workflows/workflows-service';

export type Services = {
  clock: Clock;
  journal: Journal;
  topics: TopicAccess;
  workflows: WorkflowsService;
  sessions: SessionsService;
  executions: ExecutionsService;
  approvals: ApprovalsService;
  engine: { dispatcher: Dispatcher; ingest: Ingest; tick(): void };
};

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Builds every service once from plain dependencies, so routes and tools share one implementation. */
export default fp<{ clock?: Clock }>(
  async (app, opts) => {
    const clock = opts.clock ?? systemClock;
    const db = app.db;
    const log = app.log;
    const journal = createJournal({ db, clock, onListenerError: (err) => log.error({ err }, 'event listener failed') });
    const workflows = createWorkflowsService({ db, clock });
    const sessions = createSessionsService({ db, journal, clock });
    const executions = createExecutionsService({ db, journal, clock, workflows, sessions });
    const approvals = createApprovalsService({ db, journal, clock, executions });
    const messages = createAgentMessages({ db, executions, sessions });
    const ingest = createIngest({ journal, clock, executions, approvals, messages });
    const allowBash = app.config.allowBash ?? isLoopbackHost(app.config.host);
    const dispatcher = createDispatcher({ db, journal, clock, executions, sessions, leaseMs: app.config.leaseMs, allowBash, log });
    const timers = createTimers({ journal, clock, executions });
    const ticker = createEngineTicker({ journal, dispatcher, timers, approvals, tickMs: app.config.engineTickMs, log });
    executions.onCancel(({ executionId, runnerId, attempt }) => {
      const runner = dispatcher.runners.get(runnerId);
      try {
        runner?.send({ type: 'cancel', executionId, attempt, reason: 'canceled' });
      } catch {
        /* the runner's late events are refused anyway */
      }
    });

    const services: Services = {
      clock,
      journal,
      topics: createTopicAccess({ db }),
      workflows,
      sessions,
      executions,
      approvals,
      engine: { dispatcher, ingest, tick: ticker.tick },
    };
    app.decorate('services', services);
    app.addHook('onReady', async () => ticker.start());
    // Runs before the db plugin's onClose (hooks run in reverse registration order).
    app.addHook('onClose', async () => {
      ticker.stop();
      services.sessions.flushAll();
    });
  },
  { name: 'weft-services', dependencies: ['weft-db'] },
);
