import fp from 'fastify-plugin';
import { createApprovalsService, type ApprovalsService } from './approvals-service';
import { createToolApprovals, type ToolApprovals } from './tool-approvals';
import { createAgentAsks, type AgentAsks } from './agent-asks';
import { createToolReaders, type ToolReaders } from './tool-readers';
import { createChatOwners } from '../sessions/chat-owners';

declare module 'fastify' {
  interface FastifyInstance {
    /** Step approvals: an `approval` step waits for a person's decision (or its timeout). */
    approvals: ApprovalsService;
    /** Tool approvals: a tool call that asks first waits for a person's decision. */
    toolApprovals: ToolApprovals;
    /** Agent steps' asks: a tool call or a question a person decides, bound to its execution. */
    agentAsks: AgentAsks;
    /** Who may read which tool approval: REST and the `approvals` topic's events judge by it. */
    toolReaders: ToolReaders;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, executions, audit, cluster } = app;
    const approvals = createApprovalsService({ db, journal, clock, executions, audit, log: app.log });
    const toolApprovals = createToolApprovals({ db, journal, clock, isActive: (id) => executions.isActive(id), liveness: cluster.liveness });
    if (cluster.shared) {
      // A held call decided on another server settles here, where its request waits.
      const stop = toolApprovals.settleFromOthers();
      cluster.onReconnected(() => toolApprovals.settleAllFromRows());
      // Held calls of a server that is gone would never settle: they expire.
      cluster.onGoneServersCheck(() => toolApprovals.expireOrphaned());
      app.addHook('onClose', async () => stop());
    }
    const agentAsks = createAgentAsks({ db, journal, clock });
    if (cluster.shared) {
      // An ask decided on another server answers the runner's long poll here at once.
      const stop = agentAsks.wakeFromOthers();
      cluster.onReconnected(() => agentAsks.wakeAll());
      app.addHook('onClose', async () => stop());
    }
    // A run that ends (canceled, failed, timed out) closes what still waits for a person on it.
    executions.onEnding((ending) => {
      approvals.closeForExecution(ending);
      toolApprovals.closeForExecution(ending);
      agentAsks.closeForExecution(ending);
    });
    app.decorate('approvals', approvals);
    app.decorate('toolApprovals', toolApprovals);
    app.decorate('agentAsks', agentAsks);
    app.decorate('toolReaders', createToolReaders({ chats: createChatOwners(db), agentAsks, viewerOf: approvals.viewerOf }));
  },
  { name: 'weft-approvals', dependencies: ['weft-db', 'weft-clock', 'weft-audit', 'weft-journal', 'weft-cluster', 'weft-executions'] },
);
