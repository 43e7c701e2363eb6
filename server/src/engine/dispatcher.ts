import { stepKey, type CompletedStep, type LeaseGrant, type RunnerServerMessage, type ToolPolicy } from '@weft/shared';
import type { Db } from '../db/open';
import type { ExecutionRow, StepRunRow } from '../executions/executions-repository';
import type { ExecutionsService } from '../executions/executions-service';
import type { Journal } from '../journal/journal';
import type { SessionsService } from '../sessions/sessions-service';
import type { Clock } from '../clock';
import type { LeaseGrace } from './lease-grace';
import type { StepState } from './step-state';
import { fitResumeState } from './resume-budget';

/**
 * When a frame to a runner may leave: once the write it reports is `durable` (synced), or once it is
 * `committed` (before the WAL sync under synchronous=FULL). Only a fresh execution's first lease
 * goes at the COMMIT: if power fails before the sync, the execution vanishes with it and nobody was
 * told it existed (the webhook's or API's answer waits for the sync), so the runner only ran steps
 * whose completions are lost, as when it crashes; the same at-least-once as any step. A later lease
 * can follow a person's decision (an approval) or a step's recorded result, which must not be acted
 * on before it is durable.
 */
export type SendWhen = 'durable' | 'committed';

export type ConnectedRunner = {
  runnerId: string;
  name: string;
  capacity: number;
  /** `when`: the write behind `msg` must be durable first (the default), or only committed (see `SendWhen`). */
  send(msg: RunnerServerMessage, when?: SendWhen): void;
  /** Last hello or heartbeat (ms): a runner silent for a lease period gets no new work. */
  lastSeenAt: number;
};

/**
 * Grants queued executions to connected runners with free capacity, renews and expires leases.
 * Grants are conditional updates, so two servers on one database cannot grant the same lease.
 */
export function createDispatcher({
  db,
  journal,
  clock,
  executions,
  sessions,
  leaseMs,
  grace,
  allowBash,
  toolPolicy,
  stepState,
  log,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  executions: ExecutionsService;
  sessions: SessionsService;
  leaseMs: number;
  /** Leases from before a restart stay valid for one lease duration (see lease-grace.ts). */
  grace: LeaseGrace;
  allowBash: boolean;
  /** The operator's tool policy (WEFT_TOOL_POLICY): runners decide each agent call with it under the step's own. */
  toolPolicy?: ToolPolicy | undefined;
  /** Checkpoints and workspace snapshots handed back in a grant. */
  stepState: StepState;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}) {
  const { repo, events } = executions;
  const runners = new Map<string, ConnectedRunner>();
  const heldCount = db.prepare<[], { runner: string; n: number }>(
    'SELECT lease_runner_id AS runner, COUNT(*) AS n FROM executions WHERE lease_runner_id IS NOT NULL GROUP BY lease_runner_id',
  );
  let scheduled = false;
  /**
   * Whether a queued execution may exist. A pass that found fewer queued executions than it had free
   * slots saw them all, so the passes after it (every finished execution kicks one, to hand its slot
   * on) skip both queries until something is queued again: `kick({ queued: true })` from the journal
   * as it is written, every engine tick (which also covers other processes on the database), a runner
   * that registers. A stale `true` costs one query; it is never left `false` while a row waits longer than a tick.
   */
  let backlog = true;

  /**
   * Containers (loop, conditional) still open from the previous lease: the new lease starts them
   * again as a new attempt, so the old attempt is closed here rather than left running forever.
   */
  function closeSupersededContainers(row: ExecutionRow, steps: StepRunRow[], now: string) {
    for (const open of steps) {
      if (open.status !== 'running' && open.status !== 'waiting') continue;
      const closed = repo.upsertStep({
        executionId: row.id,
        stepId: open.step_id,
        iterationPath: open.iteration_path,
        attempt: open.attempt,
        status: 'canceled',
        startedAt: open.started_at,
        finishedAt: now,
        error: { name: 'Resumed', message: 'the execution resumed; this step continues as a new attempt' },
        leaseAttempt: open.lease_attempt,
      });
      events.stepUpdated(row.id, closed, row.session_id);
    }
  }

  /** From the step records as they were before the grant (a superseded container is not final either way). */
  function buildGrant(row: ExecutionRow, steps: StepRunRow[]): LeaseGrant {
    const completed = new Map<string, CompletedStep>();
    const stepAttempts: Record<string, number> = {};
    for (const s of steps) {
      const key = stepKey(s.step_id, s.iteration_path);
      stepAttempts[key] = Math.max(stepAttempts[key] ?? 0, s.attempt);
      const final =
        s.status === 'succeeded' ||
        s.status === 'skipped' ||
        (s.status === 'failed' && s.retry_in_ms === null && s.error !== null && !JSON.parse(s.error).name?.startsWith('Interrupted'));
      if (!final) {
        completed.delete(key);
        continue;
      }
      const rec: CompletedStep = { stepId: s.step_id, iterationPath: s.iteration_path, status: s.status as CompletedStep['status'], attempt: s.attempt };
      if (s.output !== null) rec.output = JSON.parse(s.output);
      if (s.error !== null) rec.error = JSON.parse(s.error);
      completed.set(key, rec);
    }
    // Only unfinished step instances resume from a checkpoint; a finished one's is gone already.
    const resume = fitResumeState(
      stepState.checkpointsOf(row.id).filter((c) => !completed.has(stepKey(c.stepId, c.iterationPath))),
      stepState.workspacesOf(row.id),
    );
    for (const out of resume.leftOut) {
      if (out.kind === 'checkpoint') {
        const text = `checkpoint of ${out.bytes} bytes left out of the new lease (its resume state is over the grant's limit): this step starts from scratch`;
        events.log(row.id, { stepId: out.stepId, iterationPath: out.iterationPath, attempt: out.attempt, stream: 'stderr', text });
      } else {
        log.warn(
          { executionId: row.id, workspace: out.key, bytes: out.bytes },
          'workspace changes left out of a grant over its size limit; it is provisioned fresh',
        );
      }
    }
    return {
      executionId: row.id,
      attempt: row.lease_attempt,
      leaseMs,
      workflowId: row.workflow_id,
      workflowVersion: row.workflow_version,
      definition: repo.definitionOf(row.workflow_id, row.workflow_version),
      ...repo.argsOf(row),
      sessionId: row.session_id,
      completed: [...completed.values()],
      stepAttempts,
      policy: { allowBash, ...(toolPolicy ? { toolPolicy } : {}) },
      checkpoints: resume.checkpoints,
      workspaces: resume.workspaces,
      ...(row.traceparent === null ? {} : { traceparent: row.traceparent }),
    };
  }

  function dispatch() {
    scheduled = false;
    if (runners.size === 0 || !backlog) return;
    const held = new Map(heldCount.all().map((r) => [r.runner, r.n]));
    const healthySince = clock.now().getTime() - leaseMs;
    const free = [...runners.values()]
      .filter((r) => r.lastSeenAt >= healthySince)
      .map((r) => ({ runner: r, free: r.capacity - (held.get(r.runnerId) ?? 0) }))
      .filter((r) => r.free > 0);
    const total = free.reduce((n, r) => n + r.free, 0);
    if (total === 0) return;
    const queued = repo.queuedIds(total);
    // Set before the grants: one of them may queue something (and kick) while this pass runs.
    if (queued.length < total) backlog = false;
    for (const executionId of queued) {
      // Spread work: the runner with the most free slots first.
      free.sort((a, b) => b.free - a.free);
      const slot = free[0];
      if (!slot || slot.free <= 0) break;
      const nowMs = clock.now().getTime();
      let grant: LeaseGrant | null = null;
      let fresh = false;
      journal.batched(() => {
        // As this run finds it: the journal reruns a transaction a deadlock aborted.
        grant = null;
        const now = new Date(nowMs).toISOString();
        const row = repo.grant(executionId, { runnerId: slot.runner.runnerId, expiresAt: nowMs + leaseMs, now });
        if (!row) return;
        // A first lease has no step records, unless a re-run copied some in.
        fresh = row.lease_attempt === 1 && row.rerun_of === null;
        const steps = fresh ? [] : repo.steps(executionId);
        closeSupersededContainers(row, steps, now);
        events.executionUpdated(executionId, row);
        grant = buildGrant(row, steps);
      });
      if (!grant) continue;
      slot.free--;
      try {
        slot.runner.send({ type: 'lease', grant }, fresh ? 'committed' : 'durable');
      } catch (err) {
        // The lease expires and the execution is granted again.
        log.warn({ err, executionId }, 'could not send lease');
      }
    }
  }

  return {
    runners,
    register(runner: ConnectedRunner) {
      runners.set(runner.runnerId, runner);
      this.kick({ queued: true });
    },
    /** Connected runners heard from within a lease period: those a dispatch pass gives work to. */
    healthyRunners(): number {
      const healthySince = clock.now().getTime() - leaseMs;
      let n = 0;
      for (const r of runners.values()) if (r.lastSeenAt >= healthySince) n++;
      return n;
    },
    unregister(runnerId: string, runner: ConnectedRunner) {
      if (runners.get(runnerId) === runner) runners.delete(runnerId);
    },
    /**
     * Dispatch on the next tick; many kicks in one tick make one pass. With a group-commit batch
     * open, the pass runs inside it just before its COMMIT: an execution and its lease share one fsync.
     * `queued`: an execution may have been queued (or the caller cannot tell); without it the kick only
     * hands on a freed slot, and the pass is skipped when the last one saw nothing queued.
     */
    kick({ queued }: { queued: boolean }) {
      if (queued) backlog = true;
      if (scheduled) return;
      scheduled = true;
      const pass = () => {
        try {
          dispatch();
        } catch (err) {
          log.error({ err }, 'dispatch failed');
        }
      };
      if (!journal.beforeCommit(pass)) setImmediate(pass);
    },
    dispatchNow() {
      backlog = true;
      dispatch();
    },
    renew(runnerId: string, leases: { executionId: string; attempt: number }[]) {
      const nowMs = clock.now().getTime();
      const runner = runners.get(runnerId);
      if (runner) {
        const wasStale = runner.lastSeenAt < nowMs - leaseMs;
        runner.lastSeenAt = nowMs;
        if (wasStale) this.kick({ queued: true });
      }
      const lost: { executionId: string; attempt: number; reason: string }[] = [];
      db.transaction(() => {
        for (const l of leases) {
          if (!repo.renew(l.executionId, { runnerId, attempt: l.attempt, expiresAt: nowMs + leaseMs, validFrom: grace.validFrom(nowMs) })) {
            const row = repo.get(l.executionId);
            const reason = !row
              ? 'unknown execution'
              : row.lease_runner_id === null
                ? `execution is ${row.status}`
                : row.lease_attempt !== l.attempt || row.lease_runner_id !== runnerId
                  ? 'lease was granted again'
                  : 'lease expired';
            lost.push({ ...l, reason });
          }
        }
      })();
      return lost;
    },
    /** Leases not renewed in time: interrupted steps are closed and the execution is queued again. */
    expireLeases(): number {
      const nowMs = clock.now().getTime();
      // Runners that held leases before a restart are still reconnecting.
      if (grace.inGrace(nowMs)) return 0;
      const expired = repo.expiredLeases(nowMs);
      for (const row of expired) {
        journal.transaction(() => {
          const fresh = repo.get(row.id);
          if (!fresh || fresh.lease_runner_id === null || (fresh.lease_expires_at ?? 0) >= nowMs) return;
          const now = new Date(nowMs).toISOString();
          for (const step of repo.activeSteps(row.id)) {
            if (step.status !== 'running') continue;
            const interrupted = repo.upsertStep({
              executionId: row.id,
              stepId: step.step_id,
              iterationPath: step.iteration_path,
              attempt: step.attempt,
              status: 'failed',
              startedAt: step.started_at,
              finishedAt: now,
              error: { name: 'Interrupted', message: 'the runner lost its lease while this step ran; it runs again as a new attempt' },
              leaseAttempt: step.lease_attempt,
            });
            events.stepUpdated(row.id, interrupted);
          }
          // A partial agent turn is discarded; the step's new attempt streams a new one.
          sessions.abandonStreaming({ executionId: row.id, status: 'canceled' });
          repo.release(row.id, { status: 'queued', wakeAt: null, now });
          events.executionUpdated(row.id);
        });
      }
      if (expired.length > 0) log.warn({ count: expired.length }, 'leases expired; executions queued again');
      return expired.length;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
