import fp from 'fastify-plugin';
import { isLoopbackHost } from '../config';
import { createAgentMessages } from './agent-messages';
import { createDispatcher, type Dispatcher } from './dispatcher';
import { createEngineTicker } from './engine-ticker';
import { createIngest, type Ingest } from './ingest';
import { createLeaseGrace, type LeaseGrace } from './lease-grace';
import { createTimers } from './timers';
import { createLivenessTicks, kickOnOtherServersWrites } from './cluster-wakeups';
import { createStepState } from './step-state';

export type Engine = {
  /** Connected runners, leases and grants. */
  dispatcher: Dispatcher;
  /** Runner events into the journal and the executions' state. */
  ingest: Ingest;
  /** The lease grace after a start: every check of a lease asks it (lease-grace.ts). */
  grace: LeaseGrace;
  /** A runner's socket to this server closed: the agent turns it streamed here are stored and let go. */
  runnerLeft(runnerId: string): void;
  /** One round of the clockwork now (expire leases, wake timers, expire approvals, dispatch). */
  tick(): void;
  /** The periodic ticker; the lifecycle plugin starts and stops it (plugins/lifecycle.ts). */
  start(): void;
  stop(): void;
};

declare module 'fastify' {
  interface FastifyInstance {
    /** The engine: dispatch to runners, leases, ingest of their events, durable timers, the ticker. */
    engine: Engine;
  }
}

export default fp(
  async (app) => {
    const { db, journal, clock, executions, sessions, approvals, storage, cluster, log } = app;
    const { leaseMs, engineTickMs } = app.config;
    const messages = createAgentMessages({ db, executions, sessions });
    const grace = createLeaseGrace({ clock, leaseMs });
    const stepState = createStepState(db);
    const ingest = createIngest({ journal, clock, executions, approvals, messages, grace, stepState, log });
    const allowBash = app.config.allowBash ?? isLoopbackHost(app.config.host);
    const dispatcher = createDispatcher({
      db,
      journal,
      clock,
      executions,
      sessions,
      leaseMs,
      grace,
      allowBash,
      toolPolicy: app.config.toolPolicy,
      stepState,
      log,
    });
    // A run that ended resumes nothing: its checkpoints go in the transaction of its ending.
    executions.onEnding((ending) => stepState.dropCheckpoints(ending.executionId));
    const timers = createTimers({ journal, clock, executions });
    const ticker = createEngineTicker({
      journal,
      dispatcher,
      timers,
      approvals,
      storage,
      tickMs: engineTickMs,
      log,
      daily: () => app.auditRetention.pruneDue(),
    });
    const sendCancel = ({ executionId, runnerId, attempt }: { executionId: string; runnerId: string; attempt: number }): boolean => {
      const runner = dispatcher.runners.get(runnerId);
      if (!runner) return false;
      try {
        runner.send({ type: 'cancel', executionId, attempt, reason: 'canceled' });
      } catch {
        /* the runner's late events are refused anyway */
      }
      return true;
    };
    // A runner connected to another server hears its cancel from that server (cluster/runner-wakeups.ts).
    executions.onCancel((c) => {
      if (sendCancel(c) || !cluster.shared) return;
      try {
        cluster.cancelOnOtherServer({ type: 'cancel', ...c });
      } catch (err) {
        // The cancel is committed; the runner learns it from its next heartbeat (its lease is gone).
        log.warn({ err, executionId: c.executionId }, 'could not tell the server holding the runner to cancel');
      }
    });
    cluster.onRunnerCancel(sendCancel);
    const stopFollowing = cluster.shared ? kickOnOtherServersWrites({ journal, dispatcher }) : () => {};
    const liveness = cluster.shared
      ? createLivenessTicks({ liveness: cluster.liveness, runners: () => dispatcher.healthyRunners(), checkGoneServers: cluster.checkGoneServers, log })
      : null;
    cluster.onReconnected(() => dispatcher.kick({ queued: true }));
    app.decorate('engine', {
      dispatcher,
      ingest,
      runnerLeft: messages.releaseRunner,
      grace,
      tick: ticker.tick,
      start: () => {
        ticker.start();
        liveness?.start();
      },
      stop: () => {
        ticker.stop();
        liveness?.stop();
        stopFollowing();
      },
    });
  },
  {
    name: 'weft-engine',
    dependencies: [
      'weft-config',
      'weft-db',
      'weft-clock',
      'weft-storage',
      'weft-journal',
      'weft-cluster',
      'weft-sessions',
      'weft-executions',
      'weft-approvals',
    ],
  },
);
