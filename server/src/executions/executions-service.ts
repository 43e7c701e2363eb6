import {
  isFinishedExecution,
  resolveInputs,
  rolesWith,
  walkSteps,
  type Execution,
  type ExecutionStatus,
  type ExecutionSummary,
  type InputSpec,
  type StartedBy,
  type WorkflowDefinition,
} from '@weft/shared';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import { createChatOwners } from '../sessions/chat-owners';
import type { SessionsService } from '../sessions/sessions-service';
import type { Clock } from '../clock';
import type { WorkflowsService } from '../workflows/workflows-service';
import { tracingOff, type Tracing } from '../tracing/tracing';
import { systemActor, type AuditActor, type AuditLog } from '../audit/audit-log';
import type { OperationsLog } from '../http/operations-log';
import { gatesAndTheirContainers } from '../engine/approval-gates';
import { createExecutionEvents } from './execution-events';
import { createExecutionsRepository, toStepRun, toSummary, type ExecutionRow } from './executions-repository';
import { createPrunedExecutions } from '../retention/pruned-executions';

/** An execution's terminal change, as hooks inside its transaction see it (`onEnding`). */
export type ExecutionEnding = { executionId: string; status: ExecutionStatus; error?: unknown; at: string };

export type TriggerInfo = { type: 'manual' | 'schedule' | 'webhook' | 'rerun' | 'tool'; [k: string]: unknown };

/** Who started a run when no person is acting (see `audit.actingAs`): its schedule, its webhook, or Weft. */
function starterOf(trigger: TriggerInfo | undefined): AuditActor {
  const key = typeof trigger?.key === 'string' ? trigger.key : null;
  if (trigger?.type === 'schedule' && key) return { kind: 'schedule', id: key, name: key };
  if (trigger?.type === 'webhook' && key) return { kind: 'webhook', id: key, name: key };
  return systemActor(trigger?.type ?? 'weft');
}

/** The error's name and message (shortened) for a log line; the rest of it is in the run. */
function errorFields(error: unknown): { error?: { name: unknown; message: string } } {
  if (typeof error !== 'object' || error === null) return {};
  const { name, message } = error as { name?: unknown; message?: unknown };
  return { error: { name, message: String(message ?? '').slice(0, 500) } };
}

/** Executions: start (inputs checked, version pinned), read, cancel, re-run. The engine drives them. */
export function createExecutionsService({
  db,
  journal,
  clock,
  workflows,
  sessions,
  preflight,
  maxRunDepth = 5,
  audit,
  tracing = tracingOff,
  log,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  workflows: WorkflowsService;
  sessions: SessionsService;
  /** Refuses a start (422 integration_unavailable) when a required integration is missing or in error. */
  preflight?: { assert(definition: WorkflowDefinition, action: 'run'): void };
  /** WEFT_MAX_RUN_DEPTH: how deep runs started from inside runs may go. */
  maxRunDepth?: number;
  /** Records starts, re-runs and cancels in their own transactions (audit-log.ts). */
  audit?: AuditLog;
  /** Gives each new execution its trace ids and writes its span when it ends. */
  tracing?: Pick<Tracing, 'newExecution' | 'executionEnded'>;
  /** One line per start and end, with `executionId` (docs/operations.md, Logs). */
  log?: OperationsLog;
}) {
  const repo = createExecutionsRepository(db);
  const chats = createChatOwners(db);
  const events = createExecutionEvents({ journal, repo });
  const cancelListeners = new Set<(e: { executionId: string; runnerId: string; attempt: number }) => void>();
  /** Run inside the transaction that ends an execution (approvals close theirs there). */
  const endingHooks = new Set<(e: ExecutionEnding) => void>();

  const pruned = createPrunedExecutions(db);
  const requireExecution = (id: string) => {
    const row = repo.get(id);
    if (row) return row;
    // A tombstone rather than "not found": links to it (chat messages, notifications) stay explainable.
    if (pruned.wasPruned(id))
      throw new AppError(410, 'execution_pruned', `run ${id} was pruned by retention (WEFT_RETENTION_DAYS / WEFT_RETENTION_MAX_EXECUTIONS)`);
    throw notFound(`execution ${id}`);
  };

  const nameOf = (workflowId: string, version: number) => {
    const def = repo.definitionOf(workflowId, version) as WorkflowDefinition | null;
    return def?.name;
  };

  /** A workflow cannot fork-bomb the runner: each run it starts is one deeper, up to the limit. */
  function depthUnder(parentExecutionId: string | undefined): number {
    if (parentExecutionId === undefined) return 0;
    const depth = requireExecution(parentExecutionId).run_depth + 1;
    if (depth > maxRunDepth) {
      throw new AppError(
        409,
        'run_depth_exceeded',
        `execution ${parentExecutionId} is ${depth - 1} run(s) deep: starting another run from it would be ${depth} deep, past the limit of ${maxRunDepth} (WEFT_MAX_RUN_DEPTH)`,
        { depth, maxRunDepth },
      );
    }
    return depth;
  }

  /**
   * A run's events go to its chat, and a chat's cards are decided by its person: only that person
   * (or the assistant for them) starts a run into it, and a workflow only into its own run's chat.
   */
  /** Null: no such chat. */
  function mayPostIn(sessionId: string, startedBy: StartedBy | null, parentExecutionId: string | undefined): boolean | null {
    const owner = chats.ownerOf(sessionId);
    if (owner === null) return null;
    if (parentExecutionId !== undefined) return repo.get(parentExecutionId)?.session_id === sessionId;
    return (startedBy?.kind === 'user' || startedBy?.kind === 'assistant') && startedBy.id === owner;
  }

  function assertMayPostIn(sessionId: string, startedBy: StartedBy | null, parentExecutionId: string | undefined) {
    const may = mayPostIn(sessionId, startedBy, parentExecutionId);
    if (may === null) throw notFound(`session ${sessionId}`);
    if (!may) {
      throw new AppError(403, 'not_your_chat', `sessionId: ${sessionId} is not your chat: a run posts only into its starter's own chat`, { sessionId });
    }
  }

  /**
   * 403 `version_requires_write` unless `version` is the workflow's latest or the caller may run
   * older ones: an older version may lack a gate added since, and only who may change the workflow
   * (`write`, who could remove the gate anyway) runs it.
   */
  function assertMayRunVersion(workflowId: string, version: number, mayRunOlderVersion: boolean, rerunOf?: string) {
    if (mayRunOlderVersion) return;
    const latest = workflows.pin(workflowId).version;
    if (version === latest) return;
    const what =
      rerunOf === undefined
        ? `version: version ${version} of workflow ${workflowId} is not its latest (${latest})`
        : `version: run ${rerunOf} would re-run version ${version} of workflow ${workflowId}, not its latest (${latest})`;
    const instead = rerunOf === undefined ? 'run "latest" (leave out version)' : 're-run with "version": "latest"';
    throw new AppError(
      403,
      'version_requires_write',
      `${what}: running an older version needs the write permission (it may lack an approval added since); ${instead}, or ask someone with the ${rolesWith('write').join(', ')} role`,
      { version, latestVersion: latest, missing: 'write' },
    );
  }

  function start(input: {
    workflowId: string;
    inputs?: Record<string, unknown> | undefined;
    sessionId?: string | undefined;
    version?: number | undefined;
    trigger?: TriggerInfo;
    /** Who or what starts it (`startedBy`); every start path says (null only for system starts). */
    startedBy: StartedBy | null;
    /** The execution a workflow started this one from: the new one is one level deeper. */
    parentExecutionId?: string | undefined;
    /** Whether the starter may run a version other than the latest (`write`); else 403 `version_requires_write`. */
    mayRunOlderVersion?: boolean;
    rerunOf?: string;
    /** Step records copied from an earlier execution (re-run). */
    reuse?: {
      stepId: string;
      iterationPath: string;
      attempt: number;
      status: 'succeeded' | 'skipped';
      output?: unknown;
      startedAt: string | null;
      finishedAt: string | null;
    }[];
    inTransaction?: (executionId: string) => void;
  }): { executionId: string } {
    const runDepth = depthUnder(input.parentExecutionId);
    const wf = workflows.pin(input.workflowId, input.version || undefined);
    assertMayRunVersion(wf.id, wf.version, input.mayRunOlderVersion === true, input.rerunOf);
    const definition = repo.definitionOf(wf.id, wf.version) as WorkflowDefinition;
    const resolved = resolveInputs(definition.inputs as Record<string, InputSpec> | undefined, input.inputs);
    if (!resolved.ok) {
      const first = resolved.errors[0]!;
      throw new AppError(422, 'invalid_inputs', `${first.path}: ${first.message}`, { errors: resolved.errors });
    }
    preflight?.assert(definition, 'run');
    if (input.sessionId !== undefined) assertMayPostIn(input.sessionId, input.startedBy, input.parentExecutionId);
    const id = newId('ex');
    const now = clock.now().toISOString();
    journal.transaction(() => {
      const row = repo.insert({
        id,
        workflowId: wf.id,
        workflowVersion: wf.version,
        sessionId: input.sessionId ?? null,
        inputs: resolved.values,
        // The depth shows in the API as the trigger's `depth` (runs started by workflows only).
        trigger: runDepth > 0 ? { ...(input.trigger ?? { type: 'manual' }), depth: runDepth } : (input.trigger ?? { type: 'manual' }),
        now,
        rerunOf: input.rerunOf ?? null,
        runDepth,
        startedBy: input.startedBy,
      });
      const traced = tracing.newExecution(id);
      if (traced) repo.setTrace(id, traced);
      for (const r of input.reuse ?? []) {
        repo.upsertStep({ executionId: id, ...r, reused: true });
      }
      input.inTransaction?.(id);
      // inTransaction may change the row (a held execution waits): read it again then.
      events.executionUpdated(id, input.inTransaction ? undefined : row);
      audit?.record({
        actor: audit.actor(starterOf(input.trigger)),
        action: input.rerunOf === undefined ? 'execution.started' : 'execution.rerun',
        target: { kind: 'execution', id },
        details: {
          workflowId: wf.id,
          version: wf.version,
          trigger: input.trigger?.type ?? 'manual',
          ...(input.rerunOf === undefined ? {} : { rerunOf: input.rerunOf }),
          ...(typeof input.trigger?.fromStepId === 'string' ? { fromStepId: input.trigger.fromStepId } : {}),
        },
      });
    });
    const trigger = input.trigger?.type ?? 'manual';
    log?.info(
      {
        executionId: id,
        workflowId: wf.id,
        version: wf.version,
        trigger,
        ...(typeof input.trigger?.key === 'string' ? { triggerKey: input.trigger.key } : {}),
      },
      'execution started',
    );
    return { executionId: id };
  }

  function get(id: string): Execution {
    return { ...summary(id), steps: repo.steps(id).map(toStepRun) };
  }

  /** A run without its steps (404 unknown, 410 pruned): for checks that need only its status. */
  function summary(id: string): ExecutionSummary {
    const row = requireExecution(id);
    return toSummary(row, nameOf(row.workflow_id, row.workflow_version));
  }

  function list(q: {
    workflowId?: string | undefined;
    status?: ExecutionStatus | undefined;
    sessionId?: string | undefined;
    startedBy?: string | undefined;
    before?: string | undefined;
    limit: number;
  }) {
    const rows = repo.list({ ...q, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const names = new Map<string, string | undefined>();
    const executions: ExecutionSummary[] = page.map((r) => {
      const key = `${r.workflow_id}@${r.workflow_version}`;
      if (!names.has(key)) names.set(key, nameOf(r.workflow_id, r.workflow_version));
      return toSummary(r, names.get(key));
    });
    return { executions, nextBefore: rows.length > q.limit ? page.at(-1)!.id : null };
  }

  /** Ends an execution; its runner (if any) is told to stop, and its late events are refused. */
  function cancel(id: string, reason = 'canceled by user'): Execution {
    let leaseHolder: { runnerId: string; attempt: number } | null = null;
    journal.transaction(() => {
      // As this run reads it: the journal reruns a transaction a deadlock aborted.
      leaseHolder = null;
      const row = requireExecution(id);
      if (isFinishedExecution(row.status)) throw new AppError(409, 'execution_finished', `execution ${id} is already ${row.status}`);
      if (row.lease_runner_id) leaseHolder = { runnerId: row.lease_runner_id, attempt: row.lease_attempt };
      finishWithin(id, { status: 'canceled', error: { name: 'Canceled', message: reason } }, row);
      audit?.record({
        actor: audit.actor(),
        action: 'execution.canceled',
        target: { kind: 'execution', id },
        details: { workflowId: row.workflow_id, reason },
      });
    });
    const holder = leaseHolder as { runnerId: string; attempt: number } | null;
    if (holder) for (const l of cancelListeners) l({ executionId: id, ...holder });
    return get(id);
  }

  /**
   * Inside a transaction: a final status, open steps closed as canceled, pending approvals closed
   * (the `onEnding` hooks), streaming chat turns finalized. A finished status is never overwritten.
   */
  function finishWithin(id: string, r: { status: ExecutionStatus; output?: unknown; error?: unknown }, current: ExecutionRow = requireExecution(id)) {
    if (isFinishedExecution(current.status)) return false;
    const now = clock.now().toISOString();
    for (const step of repo.activeSteps(id)) {
      const canceled = repo.upsertStep({
        executionId: id,
        stepId: step.step_id,
        iterationPath: step.iteration_path,
        attempt: step.attempt,
        status: 'canceled',
        startedAt: step.started_at,
        finishedAt: now,
        error: { name: 'Canceled', message: r.status === 'canceled' ? 'execution canceled' : `execution ${r.status}` },
        leaseAttempt: step.lease_attempt,
      });
      events.stepUpdated(id, canceled);
    }
    // Whatever still waits for a person on this run closes with it, in this same transaction.
    for (const hook of endingHooks) hook({ executionId: id, status: r.status, error: r.error, at: now });
    const finished = repo.finish(id, { status: r.status, now, output: r.output, error: r.error });
    // Like the log line below: a rolled-back end was never an end, so its span is not exported.
    journal.afterCommit(() => tracing.executionEnded(finished));
    // Chat messages of an execution live in its session: without one it has none left streaming.
    if (finished.session_id !== null) sessions.abandonStreaming({ executionId: id, status: 'canceled' });
    events.executionUpdated(id, finished);
    if (log) {
      const fields = { executionId: id, workflowId: finished.workflow_id, status: r.status, ...errorFields(r.error) };
      // Said once the end is durable: a rolled-back end was never an end.
      journal.afterCommit(() =>
        r.status === 'succeeded' || r.status === 'canceled' ? log.info(fields, 'execution finished') : log.warn(fields, 'execution finished'),
      );
    }
    return true;
  }

  /**
   * A new execution that reuses the results of the steps before `fromStepId` (top-level order),
   * except approval steps and the containers holding them: the re-run asks again at every gate.
   * A version other than the latest needs `mayRunOlderVersion` (403 `version_requires_write`).
   * `sessionId`: the chat it should post into (a fix's chat) instead of the original's, when that chat is the re-runner's.
   */
  function rerun(
    id: string,
    opts: {
      fromStepId?: string | undefined;
      version?: number | 'latest' | undefined;
      startedBy: StartedBy | null;
      sessionId?: string | null | undefined;
      /** Whether the re-runner may run a version other than the latest (`write`); else 403 `version_requires_write`. */
      mayRunOlderVersion: boolean;
    },
  ): { executionId: string } {
    const original = requireExecution(id);
    const version = opts.version === 'latest' ? workflows.get(original.workflow_id).version : (opts.version ?? original.workflow_version);
    assertMayRunVersion(original.workflow_id, version, opts.mayRunOlderVersion, id);
    const definition = workflows.getVersion(original.workflow_id, version).definition as unknown as WorkflowDefinition;
    const reuse: NonNullable<Parameters<typeof start>[0]['reuse']> = [];
    if (opts.fromStepId !== undefined) {
      // The top-level step that contains fromStepId: everything before it is reused.
      let topIndex = -1;
      walkSteps(definition.steps, (visit) => {
        if (visit.step.id === opts.fromStepId) {
          const top = visit.ancestors[0]?.step ?? visit.step;
          topIndex = definition.steps.findIndex((s) => s.id === top.id);
        }
      });
      if (topIndex < 0) throw new AppError(404, 'not_found', `fromStepId: step ${opts.fromStepId} is not in version ${version}`);
      const before = new Set<string>();
      walkSteps(definition.steps.slice(0, topIndex), (visit) => {
        before.add(visit.step.id);
      });
      // Only people decide human gates: an earlier run's decision is never carried over. An approval
      // step, and every container holding one (at any depth), runs again: the runner reaches the gate
      // and asks anew, while the other earlier steps (also those inside such containers) stay reused.
      const asksAgain = gatesAndTheirContainers(definition.steps.slice(0, topIndex));
      const latestByInstance = new Map<string, (typeof reuse)[number]>();
      for (const s of repo.steps(id)) {
        if (!before.has(s.step_id) || (s.status !== 'succeeded' && s.status !== 'skipped')) continue;
        latestByInstance.set(`${s.step_id}|${s.iteration_path}`, {
          stepId: s.step_id,
          iterationPath: s.iteration_path,
          attempt: s.attempt,
          status: s.status,
          output: s.output === null ? undefined : (JSON.parse(s.output) as unknown),
          startedAt: s.started_at,
          finishedAt: s.finished_at,
        });
      }
      const missing = [...before].filter((sid) => ![...latestByInstance.values()].some((r) => r.stepId === sid));
      if (missing.length > 0 && definition.steps.slice(0, topIndex).some((s) => missing.includes(s.id))) {
        throw new AppError(409, 'nothing_to_reuse', `steps before ${opts.fromStepId} did not all finish in ${id}: ${missing.join(', ')}`);
      }
      reuse.push(...[...latestByInstance.values()].filter((r) => !asksAgain.has(r.stepId)));
    }
    // The re-run goes to the chat asked for, else the original's, only when that chat is the re-runner's.
    const chat = [opts.sessionId ?? null, original.session_id].find((sid): sid is string => sid !== null && mayPostIn(sid, opts.startedBy, undefined) === true);
    return start({
      workflowId: original.workflow_id,
      version,
      inputs: JSON.parse(original.inputs) as Record<string, unknown>,
      sessionId: chat,
      trigger: { type: 'rerun', of: id, ...(opts.fromStepId ? { fromStepId: opts.fromStepId } : {}) },
      rerunOf: id,
      reuse,
      // The person re-running it starts the new run, not whoever started the original.
      startedBy: opts.startedBy,
      mayRunOlderVersion: opts.mayRunOlderVersion,
    });
  }

  return {
    repo,
    events,
    start,
    get,
    summary,
    list,
    cancel,
    rerun,
    finishWithin,
    /** True while the execution exists and has not ended. */
    isActive: (id: string) => {
      const row = repo.get(id);
      return row !== null && !isFinishedExecution(row.status);
    },
    /** `hook` runs inside the transaction of every execution's terminal change, before its `execution.updated`. */
    onEnding(hook: (e: ExecutionEnding) => void) {
      endingHooks.add(hook);
      return () => endingHooks.delete(hook);
    },
    onCancel(listener: (e: { executionId: string; runnerId: string; attempt: number }) => void) {
      cancelListeners.add(listener);
      return () => cancelListeners.delete(listener);
    },
  };
}

export type ExecutionsService = ReturnType<typeof createExecutionsService>;
