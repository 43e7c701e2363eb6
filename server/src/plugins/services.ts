import fp from 'fastify-plugin';
import { createApprovalsService, type ApprovalsService } from '../approvals/approvals-service';
import { isLoopbackHost } from '../config';
import { createExecutionsService, type ExecutionsService } from '../executions/executions-service';
import { createTimers } from '../executions/timers';
import { createStorageHealth, type StorageHealth } from '../db/storage-health';
import { storageUnavailable } from '../http/errors';
import { createJournal, type Journal } from '../journal/journal';
import { createTopicAccess, type TopicAccess } from '../journal/topics';
import { createLiveStats, type LiveStats } from '../live/live-stats';
import { createAgentMessages } from '../runner-gateway/agent-messages';
import { createDispatcher, type Dispatcher } from '../runner-gateway/dispatcher';
import { createEngineTicker } from '../runner-gateway/engine-ticker';
import { createIngest, type Ingest } from '../runner-gateway/ingest';
import { createLeaseGrace } from '../runner-gateway/lease-grace';
import { createSessionsService, type SessionsService } from '../sessions/sessions-service';
import { systemClock, type Clock } from '../clock';
import { createWorkflowsService, type WorkflowsService } from '../workflows/workflows-service';
import { createAssistant, type Assistant } from '../chat/assistant';
import { createDrafting, type Drafting } from '../drafting/drafting';
import { createModels } from '../model/model-client';
import { createProposalsService, type ProposalsService } from '../tools/proposals-service';
import { createToolRegistry, type ToolRegistry } from '../tools/registry';
import { createToolApprovals, type ToolApprovals } from '../tools/tool-approvals';
import { createWorkflowTools, type TriggerTools } from '../tools/workflow-tools';
import { createTriggersService, withoutGeneratedSecret, type TriggersService } from '../triggers/triggers-service';
import type { WorkflowDefinition } from '@weft/shared';
import { createIntegrations, type IntegrationsCapability } from '../integrations/capability';
import { createIntegrationsRepository } from '../integrations/integrations-repository';
import { createPreflight } from '../integrations/preflight';

export type Services = {
  clock: Clock;
  journal: Journal;
  /** Whether writes commit (disk full, I/O errors); `/api/ready` reports it. */
  storage: StorageHealth;
  topics: TopicAccess;
  workflows: WorkflowsService;
  sessions: SessionsService;
  executions: ExecutionsService;
  approvals: ApprovalsService;
  engine: { dispatcher: Dispatcher; ingest: Ingest; tick(): void };
  drafting: Drafting;
  proposals: ProposalsService;
  toolApprovals: ToolApprovals;
  tools: ToolRegistry;
  assistant: Assistant;
  triggers: TriggersService;
  /** Set by the triggers capability; the trigger tools use it when present. */
  triggerTools?: TriggerTools;
  /** Integrations (MCP, Slack, GitHub), their health checks, provisioning and the conversations store. */
  integrations: IntegrationsCapability;
  /** Counters of the browser sockets (`/ws`). */
  live: LiveStats;
};

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
  interface FastifyRequest {
    /**
     * Set by a route that knows which writes its reply reports (`journal.durable()` taken right
     * after them): the reply waits for those alone instead of for everything written so far.
     */
    durableWrites: Promise<void> | null;
  }
}

/** Builds every service once from plain dependencies, so routes and tools share one implementation. */
export default fp<{ clock?: Clock }>(
  async (app, opts) => {
    const clock = opts.clock ?? systemClock;
    const db = app.db;
    const log = app.log;
    const storage = createStorageHealth({ db, now: () => clock.now(), log });
    const journal = createJournal({
      db,
      clock,
      onListenerError: (err) => log.error({ err }, 'event listener failed'),
      // Rolled back (or not synced) and its waiters rejected; the journal believes none of it committed.
      onCommitError: (err) => {
        storage.failed(err);
        log.error({ err }, 'journal write failed; callers were told and runners resend');
      },
      onCommitted: () => {
        storage.ok();
        app.checkpointer.afterCommit();
      },
    });
    // Nothing is acknowledged over HTTP before it is committed (group commit may still hold it).
    app.decorateRequest('durableWrites', null);
    app.addHook('onSend', async (request, reply, payload) => {
      try {
        await (request.durableWrites ?? journal.durable());
        return payload;
      } catch (err) {
        // Thrown here it would bypass the error handler (the reply is already being sent): answer
        // in the app's shape ourselves. The write was rolled back, or its sync failed.
        request.log.error({ err, method: request.method, url: request.url }, 'reply not sent: its write is not durable');
        const e = storageUnavailable(err);
        reply.code(e.statusCode).type('application/json; charset=utf-8');
        reply.removeHeader('content-length');
        return JSON.stringify({ error: { code: e.code, message: e.message } });
      }
    });
    // Integrations: runs and enabled triggers check required integrations; saves check tool arguments once connected.
    const integrationsRepo = createIntegrationsRepository(db);
    const preflight = createPreflight({ repo: integrationsRepo });
    let saveCheck: ((definition: WorkflowDefinition) => { path: string; message: string }[]) | undefined;
    const workflows = createWorkflowsService({ db, clock, checkDefinition: (definition) => saveCheck?.(definition) ?? [] });
    const sessions = createSessionsService({ db, journal, clock });
    const executions = createExecutionsService({ db, journal, clock, workflows, sessions, preflight, maxRunDepth: app.config.maxRunDepth });
    const approvals = createApprovalsService({ db, journal, clock, executions });
    const messages = createAgentMessages({ db, executions, sessions });
    const grace = createLeaseGrace({ clock, leaseMs: app.config.leaseMs });
    const ingest = createIngest({ journal, clock, executions, approvals, messages, grace });
    const allowBash = app.config.allowBash ?? isLoopbackHost(app.config.host);
    const dispatcher = createDispatcher({ db, journal, clock, executions, sessions, leaseMs: app.config.leaseMs, grace, allowBash, log });
    const timers = createTimers({ journal, clock, executions });
    const ticker = createEngineTicker({ journal, dispatcher, timers, approvals, storage, tickMs: app.config.engineTickMs, log });
    executions.onCancel(({ executionId, runnerId, attempt }) => {
      const runner = dispatcher.runners.get(runnerId);
      try {
        runner?.send({ type: 'cancel', executionId, attempt, reason: 'canceled' });
      } catch {
        /* the runner's late events are refused anyway */
      }
    });

    const models = createModels(app.config.llm);
    const drafting = createDrafting({ model: models.drafting, timezone: app.config.timezone });
    const proposals = createProposalsService({ db, journal, clock, workflows });
    const toolApprovals = createToolApprovals({ db, journal, clock });
    const tools = createToolRegistry({ toolApprovals });
    const assistant = createAssistant({ sessions, tools, model: models.assistant, log });
    const allowUnsignedHooks = app.config.allowUnsignedHooks || isLoopbackHost(app.config.host);
    const triggers = createTriggersService({ db, journal, clock, workflows, executions, log, preflight, allowUnsignedHooks });
    const integrations = createIntegrations({ db, repo: integrationsRepo, journal, clock, workflows, triggers, executions, tools, config: app.config, allowStdio: allowBash, log });
    saveCheck = integrations.saveCheck;

    const services: Services = {
      clock,
      journal,
      storage,
      topics: createTopicAccess({ db }),
      workflows,
      sessions,
      executions,
      approvals,
      engine: { dispatcher, ingest, tick: ticker.tick },
      drafting,
      proposals,
      toolApprovals,
      tools,
      assistant,
      triggers,
      triggerTools: { list: () => triggers.list(), upsert: (key, body) => withoutGeneratedSecret(triggers.upsert(key, body)), remove: (key) => triggers.remove(key), removeForWorkflow: (id) => triggers.removeForWorkflow(id) },
      integrations,
      live: createLiveStats(),
    };
    tools.register(createWorkflowTools({ workflows, executions, approvals, proposals, drafting, triggers: () => services.triggerTools }));
    app.decorate('services', services);
    app.addHook('onReady', async () => {
      ticker.start();
      triggers.scheduler.start();
      services.integrations.start();
    });
    // Runs before the db plugin's onClose (hooks run in reverse registration order).
    app.addHook('onClose', async () => {
      ticker.stop();
      triggers.scheduler.stop();
      assistant.cancelAll();
      services.sessions.flushAll();
      await services.integrations.stop();
      journal.close();
    });
  },
  { name: 'weft-services', dependencies: ['weft-db'] },
);
