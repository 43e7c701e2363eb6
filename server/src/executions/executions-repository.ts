import type { Execution, ExecutionStatus, ExecutionSummary, StartedBy, StepRun } from '@weft/shared';
import { rememberBounded } from '../bounded-map';
import type { Db } from '../db/open';
import { filters } from '../db/filters';
import { storeKind } from '../db/store';

export type ExecutionRow = {
  id: string;
  workflow_id: string;
  workflow_version: number;
  session_id: string | null;
  status: ExecutionStatus;
  inputs: string;
  trigger: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  lease_runner_id: string | null;
  lease_attempt: number;
  lease_expires_at: number | null;
  wake_at: number | null;
  output: string | null;
  rerun_of: string | null;
  updated_at: string | null;
  /** 0 unless a workflow started it: then its parent's depth + 1. */
  run_depth: number;
  /** Who or what started it (`startedBy`); both NULL on runs from before people existed. */
  started_by_kind: StartedBy['kind'] | null;
  started_by_id: string | null;
  started_by_name: string | null;
  /** W3C trace context of the execution's span; NULL unless traces were recorded when it was created (migration 020). */
  traceparent: string | null;
  /** The span the execution's span hangs under (the webhook request that started it), or NULL. */
  trace_parent_span_id: string | null;
};

export type StepRunRow = {
  execution_id: string;
  step_id: string;
  iteration_path: string;
  attempt: number;
  status: StepRun['status'];
  started_at: string | null;
  finished_at: string | null;
  input: string | null;
  output: string | null;
  error: string | null;
  retry_in_ms: number | null;
  lease_attempt: number | null;
  reused: number;
  /** Streamed output folded in from the journal when retention compacted the run's topic (JSON). */
  log: string | null;
};

const parse = (s: string | null) => (s === null ? undefined : (JSON.parse(s) as unknown));

export function toStepRun(r: StepRunRow): StepRun {
  const out: StepRun = {
    stepId: r.step_id,
    iterationPath: r.iteration_path,
    attempt: r.attempt,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
  if (r.input !== null) out.input = parse(r.input);
  if (r.output !== null) out.output = parse(r.output);
  if (r.error !== null) out.error = parse(r.error) as StepRun['error'];
  if (r.reused) out.reused = true;
  if (r.log) out.log = parse(r.log) as StepRun['log'];
  return out;
}

/** An execution's inputs and trigger payload, parsed: both are written once, when it is created. */
export type ExecutionArgs = { inputs: Record<string, unknown>; trigger: unknown };

export const parseArgs = (r: Pick<ExecutionRow, 'inputs' | 'trigger'>): ExecutionArgs => ({
  inputs: JSON.parse(r.inputs) as Record<string, unknown>,
  trigger: JSON.parse(r.trigger) as unknown,
});

export function toSummary(r: ExecutionRow, workflowName?: string, args: ExecutionArgs = parseArgs(r)): ExecutionSummary {
  const out: ExecutionSummary = {
    id: r.id,
    workflowId: r.workflow_id,
    workflowVersion: r.workflow_version,
    status: r.status,
    inputs: args.inputs,
    trigger: args.trigger,
    sessionId: r.session_id,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    rerunOf: r.rerun_of,
    startedBy:
      r.started_by_kind === null || r.started_by_id === null
        ? null
        : { kind: r.started_by_kind, id: r.started_by_id, ...(r.started_by_name === null ? {} : { name: r.started_by_name }) },
  };
  if (workflowName !== undefined) out.workflowName = workflowName;
  if (r.output !== null) out.output = parse(r.output);
  if (r.error !== null) out.error = parse(r.error) as Execution['error'];
  return out;
}

/** One step record to write; an existing attempt keeps its start time and input (COALESCE). */
export type StepWrite = {
  executionId: string;
  stepId: string;
  iterationPath: string;
  attempt: number;
  status: StepRun['status'];
  startedAt?: string | null;
  finishedAt?: string | null;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  retryInMs?: number | null;
  leaseAttempt?: number | null;
  reused?: boolean;
};

const stepParams = (r: StepWrite): unknown[] => [
  r.executionId,
  r.stepId,
  r.iterationPath,
  r.attempt,
  r.status,
  r.startedAt ?? null,
  r.finishedAt ?? null,
  r.input === undefined ? null : JSON.stringify(r.input),
  r.output === undefined ? null : JSON.stringify(r.output),
  r.error === undefined ? null : JSON.stringify(r.error),
  r.retryInMs ?? null,
  r.leaseAttempt ?? null,
  r.reused ? 1 : 0,
];

/** The stored columns a step write may not have set itself (COALESCE keeps an earlier start and input; reused and log are never written here). */
type StepKept = {
  step_id: string;
  iteration_path: string;
  attempt: number;
  started_at: string | null;
  input: string | null;
  reused: number;
  log: string | null;
};

/**
 * The step as `toStepRun` would read it back, from what was written plus the columns the upsert kept:
 * the values written come from the runner's frame, already parsed JSON, so they need no round trip.
 */
function writtenStepRun(w: StepWrite, kept: StepKept): StepRun {
  const out: StepRun = {
    stepId: w.stepId,
    iterationPath: w.iterationPath,
    attempt: w.attempt,
    status: w.status,
    startedAt: kept.started_at,
    finishedAt: w.finishedAt ?? null,
  };
  if (w.input !== undefined) out.input = w.input;
  else if (kept.input !== null) out.input = parse(kept.input);
  if (w.output !== undefined) out.output = w.output;
  if (w.error !== undefined) out.error = w.error as StepRun['error'];
  if (kept.reused) out.reused = true;
  if (kept.log) out.log = parse(kept.log) as StepRun['log'];
  return out;
}

const upsertStepsSql = (rows: number, returning = '*') =>
  `INSERT INTO step_runs (execution_id, step_id, iteration_path, attempt, status, started_at, finished_at, input, output, error, retry_in_ms, lease_attempt, reused)
   VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
   ON CONFLICT (execution_id, step_id, iteration_path, attempt) DO UPDATE SET
     status = excluded.status,
     started_at = COALESCE(step_runs.started_at, excluded.started_at),
     finished_at = excluded.finished_at,
     input = COALESCE(excluded.input, step_runs.input),
     output = excluded.output,
     error = excluded.error,
     retry_in_ms = excluded.retry_in_ms,
     lease_attempt = excluded.lease_attempt
   RETURNING ${returning}`;

/** Parsed workflow versions kept per repository (oldest dropped first). */
const DEFINITIONS_CACHED = 256;
/** Parsed arguments of the executions most recently journaled or granted (oldest dropped first). */
const ARGS_CACHED = 1024;

export function createExecutionsRepository(db: Db) {
  const definitions = new Map<string, unknown>();
  const args = new Map<string, ExecutionArgs>();
  const writes = new Map<number, ReturnType<typeof db.prepare<unknown[], StepKept>>>();
  // Steps in the order they were first written: SQLite's rowid; on PostgreSQL, which has none, an
  // identity column of its own (PostgreSQL migration 009), set at insert and kept by the upsert.
  const postgres = storeKind(db) === 'postgres';
  const insertionOrder = postgres ? 'ord' : 'rowid';
  const latestFirst = postgres ? 'ord DESC' : 'rowid DESC';
  const s = {
    get: db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO executions (id, workflow_id, workflow_version, session_id, status, inputs, trigger, created_at, updated_at, rerun_of, run_depth, started_by_kind, started_by_id, started_by_name)
       VALUES (@id, @workflowId, @workflowVersion, @sessionId, 'queued', @inputs, @trigger, @now, @now, @rerunOf, @runDepth, @startedByKind, @startedById,
         CASE WHEN @startedByKind IN ('user', 'assistant') THEN (SELECT name FROM users WHERE id = @startedById) END)
       RETURNING *`,
    ),
    steps: db.prepare<[string], StepRunRow>(`SELECT * FROM step_runs WHERE execution_id = ? ORDER BY ${insertionOrder}`),
    stepRun: db.prepare<[string, string, string, number], StepRunRow>(
      'SELECT * FROM step_runs WHERE execution_id = ? AND step_id = ? AND iteration_path = ? AND attempt = ?',
    ),
    upsertStep: db.prepare<unknown[], StepRunRow>(upsertStepsSql(1)),
    runningInstance: db.prepare<[string, string, string, number], { attempt: number }>(
      "SELECT attempt FROM step_runs WHERE execution_id = ? AND step_id = ? AND iteration_path = ? AND lease_attempt = ? AND status = 'running' LIMIT 1",
    ),
    sessionOf: db.prepare<[string], { session_id: string | null }>('SELECT session_id FROM executions WHERE id = ?'),
    activeSteps: db.prepare<[string], StepRunRow>("SELECT * FROM step_runs WHERE execution_id = ? AND status IN ('running', 'waiting')"),
    waitingStep: db.prepare<[string], StepRunRow>(`SELECT * FROM step_runs WHERE execution_id = ? AND status = 'waiting' ORDER BY ${latestFirst} LIMIT 1`),
    setStatus: db.prepare('UPDATE executions SET status = ?, updated_at = ? WHERE id = ?'),
    start: db.prepare('UPDATE executions SET started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?'),
    finish: db.prepare(
      'UPDATE executions SET status = ?, finished_at = ?, output = ?, error = ?, lease_runner_id = NULL, lease_expires_at = NULL, wake_at = NULL, updated_at = ? WHERE id = ? RETURNING *',
    ),
    grant: db.prepare(
      "UPDATE executions SET lease_runner_id = ?, lease_attempt = lease_attempt + 1, lease_expires_at = ?, status = 'running', started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND status = 'queued' AND lease_runner_id IS NULL RETURNING *",
    ),
    renew: db.prepare('UPDATE executions SET lease_expires_at = ? WHERE id = ? AND lease_runner_id = ? AND lease_attempt = ? AND lease_expires_at >= ?'),
    release: db.prepare('UPDATE executions SET lease_runner_id = NULL, lease_expires_at = NULL, status = ?, wake_at = ?, updated_at = ? WHERE id = ?'),
    queuedIds: db.prepare<[number], { id: string }>(
      "SELECT id FROM executions WHERE status = 'queued' AND lease_runner_id IS NULL ORDER BY created_at, id LIMIT ?",
    ),
    expiredLeases: db.prepare<[number], ExecutionRow>('SELECT * FROM executions WHERE lease_runner_id IS NOT NULL AND lease_expires_at < ?'),
    dueTimers: db.prepare<[number], ExecutionRow>("SELECT * FROM executions WHERE status = 'waiting' AND wake_at IS NOT NULL AND wake_at <= ?"),
    nextTimer: db.prepare<[], { at: number | null }>("SELECT MIN(wake_at) AS at FROM executions WHERE status = 'waiting' AND wake_at IS NOT NULL"),
    setSession: db.prepare('UPDATE executions SET session_id = ? WHERE id = ?'),
    setTrace: db.prepare('UPDATE executions SET traceparent = ?, trace_parent_span_id = ? WHERE id = ?'),
    workflowName: db.prepare<[string, number], { definition: string }>('SELECT definition FROM workflow_versions WHERE workflow_id = ? AND version = ?'),
    lastRunnerSeq: db.prepare<[string, number], { seq: number }>('SELECT seq FROM runner_cursors WHERE execution_id = ? AND lease_attempt = ?'),
    setRunnerSeq: db.prepare(
      'INSERT INTO runner_cursors (execution_id, lease_attempt, seq) VALUES (?, ?, ?) ON CONFLICT (execution_id, lease_attempt) DO UPDATE SET seq = excluded.seq',
    ),
  };

  return {
    get: (id: string): ExecutionRow | null => s.get.get(id) ?? null,
    insert: (row: {
      id: string;
      workflowId: string;
      workflowVersion: number;
      sessionId: string | null;
      inputs: unknown;
      trigger: unknown;
      now: string;
      rerunOf: string | null;
      runDepth: number;
      startedBy: StartedBy | null;
    }) => {
      const { startedBy, ...rest } = row;
      return s.insert.get({
        ...rest,
        inputs: JSON.stringify(row.inputs),
        trigger: JSON.stringify(row.trigger),
        startedByKind: startedBy?.kind ?? null,
        startedById: startedBy?.id ?? null,
      }) as ExecutionRow;
    },
    steps: (id: string): StepRunRow[] => s.steps.all(id),
    stepRun: (id: string, stepId: string, iterationPath: string, attempt: number): StepRunRow | null =>
      s.stepRun.get(id, stepId, iterationPath, attempt) ?? null,
    upsertStep: (r: StepWrite): StepRunRow => s.upsertStep.get(...stepParams(r))!,
    /** Whether the step instance (`iterationPath` `""` outside a foreach) runs now, started under lease attempt `leaseAttempt`. */
    isRunning: (id: string, stepId: string, iterationPath: string, leaseAttempt: number): boolean =>
      s.runningInstance.get(id, stepId, iterationPath, leaseAttempt) !== undefined,
    /**
     * Several step records in one statement, as the steps they now are, in the order given (what
     * `toStepRun` of the stored rows gives, without reading the written JSON back).
     */
    writeSteps(rows: StepWrite[]): StepRun[] {
      let stmt = writes.get(rows.length);
      if (!stmt) {
        stmt = db.prepare<unknown[], StepKept>(upsertStepsSql(rows.length, 'step_id, iteration_path, attempt, started_at, input, reused, log'));
        // One statement per batch size: bounded by the runner's events per frame.
        writes.set(rows.length, stmt);
      }
      const params: unknown[] = [];
      for (const r of rows) params.push(...stepParams(r));
      const kept = stmt.all(params);
      if (kept.length === 1) return [writtenStepRun(rows[0]!, kept[0]!)];
      // RETURNING gives no order: match by key.
      const byKey = new Map<string, StepKept>();
      for (const k of kept) byKey.set(`${k.attempt}|${k.step_id}|${k.iteration_path}`, k);
      return rows.map((r) => writtenStepRun(r, byKey.get(`${r.attempt}|${r.stepId}|${r.iterationPath}`)!));
    },
    /** Undefined when the execution does not exist. */
    sessionOf: (id: string): string | null | undefined => s.sessionOf.get(id)?.session_id,
    activeSteps: (id: string) => s.activeSteps.all(id),
    waitingStep: (id: string): StepRunRow | null => s.waitingStep.get(id) ?? null,
    setStatus: (id: string, status: ExecutionStatus, now: string) => s.setStatus.run(status, now, id),
    markStarted: (id: string, now: string) => s.start.run(now, now, id),
    finish: (id: string, r: { status: ExecutionStatus; now: string; output?: unknown; error?: unknown }) =>
      s.finish.get(
        r.status,
        r.now,
        r.output === undefined ? null : JSON.stringify(r.output),
        r.error === undefined ? null : JSON.stringify(r.error),
        r.now,
        id,
      ) as ExecutionRow,
    /** The granted row, or null when the execution is no longer queued and free. */
    grant: (id: string, r: { runnerId: string; expiresAt: number; now: string }): ExecutionRow | null =>
      (s.grant.get(r.runnerId, r.expiresAt, r.now, r.now, id) as ExecutionRow | undefined) ?? null,
    /** Extends a lease its holder still has: recorded expiry at or after `validFrom` (see lease-grace.ts). */
    renew: (id: string, r: { runnerId: string; attempt: number; expiresAt: number; validFrom: number }) =>
      s.renew.run(r.expiresAt, id, r.runnerId, r.attempt, r.validFrom).changes === 1,
    release: (id: string, r: { status: ExecutionStatus; wakeAt: number | null; now: string }) => s.release.run(r.status, r.wakeAt, r.now, id),
    queuedIds: (limit: number) => s.queuedIds.all(limit).map((r) => r.id),
    expiredLeases: (nowMs: number) => s.expiredLeases.all(nowMs),
    dueTimers: (nowMs: number) => s.dueTimers.all(nowMs),
    nextTimer: () => s.nextTimer.get()?.at ?? null,
    setSession: (id: string, sessionId: string) => s.setSession.run(sessionId, id),
    setTrace: (id: string, t: { traceparent: string; parentSpanId: string | null }) => s.setTrace.run(t.traceparent, t.parentSpanId, id),
    /** Parsed once per version (a version never changes); callers must not mutate it. */
    definitionOf: (workflowId: string, version: number): unknown => {
      const key = `${version}@${workflowId}`;
      const cached = definitions.get(key);
      if (cached !== undefined) return cached;
      const row = s.workflowName.get(workflowId, version);
      if (!row) return null;
      return rememberBounded(definitions, key, JSON.parse(row.definition) as unknown, DEFINITIONS_CACHED);
    },
    /**
     * Inputs and trigger payload, parsed once per execution while it is busy (they never change).
     * Shared by every summary and grant built from them: callers must not mutate them.
     */
    argsOf: (row: ExecutionRow): ExecutionArgs => args.get(row.id) ?? rememberBounded(args, row.id, parseArgs(row), ARGS_CACHED),
    lastRunnerSeq: (id: string, leaseAttempt: number) => s.lastRunnerSeq.get(id, leaseAttempt)?.seq ?? 0,
    /** The highest runner event seq stored for this lease attempt (events are stored in seq order). */
    setRunnerSeq: (id: string, leaseAttempt: number, seq: number) => s.setRunnerSeq.run(id, leaseAttempt, seq),
    list(q: {
      workflowId?: string | undefined;
      status?: string | undefined;
      sessionId?: string | undefined;
      startedBy?: string | undefined;
      before?: string | undefined;
      limit: number;
    }): ExecutionRow[] {
      const f = filters();
      f.add(q.workflowId, 'workflow_id = ?', q.workflowId);
      // A person's runs: started by them, or by the assistant on their behalf.
      f.add(q.startedBy, "started_by_kind IN ('user', 'assistant') AND started_by_id = ?", q.startedBy);
      f.add(q.status, 'status = ?', q.status);
      f.add(q.sessionId, 'session_id = ?', q.sessionId);
      f.add(q.before, 'id < ?', q.before);
      const sql = `SELECT * FROM executions ${f.where()} ORDER BY id DESC LIMIT ?`;
      return db.prepare<unknown[], ExecutionRow>(sql).all(...f.params, q.limit);
    },
  };
}

export type ExecutionsRepository = ReturnType<typeof createExecutionsRepository>;
