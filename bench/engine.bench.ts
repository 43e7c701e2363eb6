/**
 * Engine, through a real server and a real runner process:
 *   1. a 1,000-step workflow of trivial steps: per-step overhead, median of BENCH_RUNS (5) runs;
 *   2. BENCH_CONCURRENT (200) executions of a 5-step workflow started at once: throughput, peak RSS
 *      of the server and of the runner;
 *   3. approval decision -> next step running, BENCH_APPROVALS (100) sequential executions.
 *
 * The server runs in this process (real SQLite file, default synchronous=FULL, checked) so the
 * bench can follow the journal without a socket; the runner is `runner/src/main.ts` in its own
 * process. The trivial step is a `wait` whose `until` is already past: the runner reports
 * `step.started` + `step.succeeded` and the server journals both (`step.updated` running, then
 * succeeded) with no I/O in the step itself. (`wait` with `seconds: 0` is refused by the schema:
 * seconds must be > 0.) Phases 1 and 2 also run with `notify` steps (session channel; without a
 * session the server journals the text as a `step.log`), which adds a message per step.
 *
 * One file of ~410 lines: the three phases share the server, the runner process and the journal
 * follower set up here.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { asSqlite } from '../server/src/db/open';
import { ROOT, percentile, startBenchServer, startRunnerProcess, type BenchServer } from './lib/weft';

export const title = 'Engine: per-step overhead, concurrent executions, approval resume';

const FINISHED = new Set(['succeeded', 'failed', 'canceled', 'denied']);
const LONG_STEPS = 1000;
const SHORT_STEPS = 5;
/** Enough slots for every concurrent execution to hold a lease at the same time. */
const RUNNER_CAPACITY = 200;
const PAST = '2000-01-01T00:00:00Z';
const GOAL_PER_STEP_MS = 0.5;
const GOAL_RESUME_P99_MS = 50;

type StepKind = 'wait' | 'notify';
const trivialStep = (kind: StepKind, id: string) => (kind === 'wait' ? { id, type: 'wait', until: PAST } : { id, type: 'notify', message: `step ${id}` });

const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const MiB = (bytes: number) => Math.round(bytes / 2 ** 20);

function procStatus(pid: number | 'self'): { hwmMiB: number; rssMiB: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
    return { hwmMiB: Math.round(kb('VmHWM') / 1024), rssMiB: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return null;
  }
}

/** CPU time (user + system) another process has used, in ms (from /proc/<pid>/stat, 10 ms resolution). */
function cpuMsOf(pid: number): number {
  try {
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks (USER_HZ = 100).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Resets a process's peak RSS (VmHWM) to its current RSS (Linux: `5` > clear_refs); false where not allowed. */
function resetPeakRss(pid: number | 'self'): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(
    () => clearTimeout(timer),
  );
}

function helpers(server: BenchServer) {
  const { journal, executions } = server.app;
  const status = (id: string) => executions.repo.get(id)?.status ?? '';
  return {
    /** Resolves when the execution reaches a final status (followed through its journal topic). */
    finished(id: string, timeoutMs = 60_000): Promise<void> {
      let stop = () => {};
      const done = new Promise<void>((resolve) => {
        if (FINISHED.has(status(id))) return resolve();
        stop = journal.subscribe(`execution:${id}`, () => {
          if (FINISHED.has(status(id))) resolve();
        });
        if (FINISHED.has(status(id))) resolve();
      });
      return withTimeout(done, timeoutMs, `execution ${id} to finish (status ${status(id)})`).finally(() => stop());
    },
    async workflow(name: string, steps: unknown[]): Promise<string> {
      const res = await server.request('POST', '/api/workflows', { definition: { name, steps } });
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST /api/workflows: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
      return res.body.id as string;
    },
    async start(workflowId: string): Promise<string> {
      const res = await server.request('POST', `/api/workflows/${workflowId}/run`, {});
      if (res.status !== 202) throw new Error(`POST run: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
      return res.body.executionId as string;
    },
  };
}

/** 1. One long execution at a time: (finishedAt - startedAt) / steps, as the server recorded them. */
async function longWorkflow(server: BenchServer, kind: StepKind, runs: number) {
  const h = helpers(server);
  const { db, executions, journal } = server.app;
  const wf = await h.workflow(
    `${LONG_STEPS} ${kind} steps`,
    Array.from({ length: LONG_STEPS }, (_, i) => trivialStep(kind, `s${i}`)),
  );
  // Runner events arrive in seq order, so the cursor's seq is how many there were.
  const runnerEvents = db.prepare<[string], { n: number }>('SELECT COALESCE(SUM(seq), 0) AS n FROM runner_cursors WHERE execution_id = ?');
  await h.finished(await h.start(wf)); // warm-up, not counted
  const samples: { perStepMs: number; durationMs: number; wallMs: number; journalEvents: number; runnerEvents: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const id = await h.start(wf);
    await h.finished(id);
    const wallMs = performance.now() - t0;
    const ex = executions.get(id);
    if (ex.status !== 'succeeded') throw new Error(`${LONG_STEPS}-step ${kind} run ${id} ended ${ex.status}: ${JSON.stringify(ex.error)}`);
    const succeeded = ex.steps.filter((s) => s.status === 'succeeded').length;
    if (succeeded !== LONG_STEPS) throw new Error(`${LONG_STEPS}-step run ${id}: ${succeeded} steps succeeded`);
    const durationMs = Date.parse(ex.finishedAt!) - Date.parse(ex.startedAt!);
    const re = runnerEvents.get(id)!;
    samples.push({
      perStepMs: durationMs / LONG_STEPS,
      durationMs,
      wallMs: r2(wallMs),
      journalEvents: journal.lastSeq(`execution:${id}`),
      runnerEvents: re.n,
    });
  }
  const sorted = samples.map((s) => s.perStepMs).sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const mid = samples.find((s) => s.perStepMs === median)!;
  return {
    step: kind === 'wait' ? `wait (until past)` : 'notify',
    steps: LONG_STEPS,
    runs,
    perStepMs: { median: r3(median), min: r3(sorted[0]!), max: r3(sorted.at(-1)!) },
    // From the median run:
    durationMs: mid.durationMs,
    journalEventsPerStep: r2(mid.journalEvents / LONG_STEPS),
    journalEventsPerSecond: Math.round((mid.journalEvents / mid.durationMs) * 1000),
    runnerEventsPerSecond: Math.round((mid.runnerEvents / mid.durationMs) * 1000),
    runnerEvents: mid.runnerEvents,
    samples,
  };
}

type Burst = { startedAt: number; totalMs: number; p50: number; p99: number; max: number; ids: string[]; failures: string[] };

/**
 * N POSTs at once from a separate process (bench/lib/post-burst.ts), so the HTTP client does not
 * share the server's event loop. `fire()` resolves with the burst's result.
 */
async function prepareBurst(server: BenchServer, p: string, n: number): Promise<{ fire(): Promise<Burst> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/post-burst.ts'), server.url, server.token, p, String(n)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  const line = (prefix: string, ms: number) =>
    withTimeout(
      new Promise<string>((resolve, reject) => {
        const poll = setInterval(() => {
          const found = out.split('\n').find((l) => l.startsWith(prefix));
          if (found !== undefined) {
            clearInterval(poll);
            resolve(found.slice(prefix.length));
          } else if (child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`post-burst exited ${child.exitCode}: ${out.slice(-500)}`));
          }
        }, 2);
      }),
      ms,
      `post-burst ${prefix.trim()}`,
    );
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await line('READY', 20_000);
  } catch (err) {
    kill();
    throw err;
  }
  return {
    async fire() {
      try {
        child.stdin!.write('go\n');
        return JSON.parse(await line('RESULT ', 120_000)) as Burst;
      } finally {
        child.stdin!.end();
        kill();
      }
    },
  };
}

/** 2. N executions of a 5-step workflow started at once over HTTP (POSTs from another process). */
async function concurrent(server: BenchServer, runnerPid: number, kind: StepKind, n: number) {
  const h = helpers(server);
  const wf = await h.workflow(
    `${SHORT_STEPS} ${kind} steps`,
    Array.from({ length: SHORT_STEPS }, (_, i) => trivialStep(kind, `f${i}`)),
  );
  // Warm-up (JIT, statement caches): a smaller burst through the same path, not counted.
  const warm = await prepareBurst(server, `/api/workflows/${wf}/run`, Math.min(20, n));
  await Promise.all((await warm.fire()).ids.map((id) => h.finished(id)));
  const burst = await prepareBurst(server, `/api/workflows/${wf}/run`, n);
  global.gc?.();
  const serverBefore = procStatus('self');
  const runnerBefore = procStatus(runnerPid);
  const peakResettable = resetPeakRss('self') && resetPeakRss(runnerPid);
  let sampledPeak = process.memoryUsage.rss();
  const serverCpu0 = process.cpuUsage();
  const runnerCpu0 = cpuMsOf(runnerPid);
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())), 20);
  try {
    const result = await burst.fire();
    if (result.failures.length > 0) throw new Error(`${result.failures.length} POSTs failed: ${result.failures.slice(0, 3).join('; ')}`);
    const ids = result.ids;
    await Promise.all(ids.map((id) => h.finished(id, 120_000)));
    const lastFinished = Math.max(...ids.map((id) => Date.parse(server.app.executions.repo.get(id)!.finished_at!)));
    // Both instants are epoch ms on this machine's clock (the server stores finishedAt to the ms).
    const wallMs = Math.max(1, lastFinished - result.startedAt);
    const postedMs = result.totalMs;
    const serverCpu = process.cpuUsage(serverCpu0);
    const runnerCpuMs = cpuMsOf(runnerPid) - runnerCpu0;
    const rows = ids.map((id) => server.app.executions.repo.get(id)!);
    const failed = rows.filter((r) => r.status !== 'succeeded').length;
    const latency = rows.map((r) => Date.parse(r.finished_at!) - Date.parse(r.created_at)).sort((a, b) => a - b);
    const serverAfter = procStatus('self');
    const runnerAfter = procStatus(runnerPid);
    return {
      step: kind === 'wait' ? 'wait (until past)' : 'notify',
      executions: n,
      steps: SHORT_STEPS,
      runnerCapacity: RUNNER_CAPACITY,
      postedMs: Math.round(postedMs),
      postResponseMs: { p50: r2(result.p50), p99: r2(result.p99), max: r2(result.max) },
      wallMs: Math.round(wallMs),
      executionsPerSecond: Math.round((n / wallMs) * 1000),
      stepsPerSecond: Math.round(((n * SHORT_STEPS) / wallMs) * 1000),
      failed,
      // CPU used from just before the burst to the last finish, as a share of one core over the wall time.
      cpuCorePct: {
        server: Math.round(((serverCpu.user + serverCpu.system) / 1000 / wallMs) * 100),
        runner: Math.round((runnerCpuMs / wallMs) * 100),
      },
      createdToFinishedMs: { p50: percentile(latency, 50), p99: percentile(latency, 99), max: latency.at(-1) },
      // VmHWM after a reset at the start of this phase (so the peak is this phase's), else lifetime.
      peakRssMiB: {
        server: peakResettable ? serverAfter?.hwmMiB : MiB(sampledPeak),
        serverSampled: MiB(sampledPeak),
        runner: runnerAfter?.hwmMiB ?? null,
        method: peakResettable ? 'VmHWM reset at phase start' : 'lifetime VmHWM (reset not allowed); server sampled every 20 ms',
      },
      rssBeforeMiB: { server: serverBefore?.rssMiB ?? null, runner: runnerBefore?.rssMiB ?? null },
    };
  } finally {
    clearInterval(sampler);
  }
}

/** 3. Approval decision -> the next step's `step.updated` running event, one execution at a time. */
async function approvalResume(server: BenchServer, rounds: number) {
  const h = helpers(server);
  const { journal } = server.app;
  const wf = await h.workflow('Gate', [{ id: 'gate', type: 'approval', message: 'go?' }, trivialStep('wait', 'next')]);
  const requested = new Map<string, string>();
  const waiters = new Map<string, (approvalId: string) => void>();
  const stopApprovals = journal.subscribe('approvals', (e) => {
    if (e.type !== 'approval.requested') return;
    const a = e.data as { id: string; executionId: string };
    requested.set(a.executionId, a.id);
    waiters.get(a.executionId)?.(a.id);
  });
  const totalMs: number[] = [];
  const responseMs: number[] = [];
  const grantMs: number[] = [];
  try {
    for (let i = 0; i < rounds + 1; i++) {
      const id = await h.start(wf);
      const approvalId =
        requested.get(id) ?? (await withTimeout(new Promise<string>((resolve) => waiters.set(id, resolve)), 10_000, `approval of ${id} to be requested`));
      waiters.delete(id);
      let granted = 0;
      let stop = () => {};
      const nextRunning = new Promise<number>((resolve) => {
        stop = journal.subscribe(`execution:${id}`, (e) => {
          const d = e.data as { stepId?: string; status?: string };
          if (e.type === 'execution.updated' && d.status === 'running' && granted === 0) granted = performance.now();
          // Its first change: running, or already succeeded when it started and finished in one runner batch.
          if (e.type === 'step.updated' && d.stepId === 'next') resolve(performance.now());
        });
      });
      const t0 = performance.now();
      const res = await server.request('POST', `/api/approvals/${approvalId}/decision`, { decision: 'approve' });
      const tResponse = performance.now();
      if (res.status !== 200) throw new Error(`decision on ${approvalId}: ${res.status} ${JSON.stringify(res.body)}`);
      const tNext = await withTimeout(nextRunning, 10_000, `step "next" of ${id} to start`).finally(() => stop());
      await h.finished(id);
      if (i === 0) continue; // warm-up round
      totalMs.push(tNext - t0);
      responseMs.push(tResponse - t0);
      grantMs.push(granted ? granted - t0 : NaN);
    }
  } finally {
    stopApprovals();
  }
  const dist = (a: number[]) => {
    const s = a.filter(Number.isFinite).sort((x, y) => x - y);
    return { p50: r2(percentile(s, 50)), p99: r2(percentile(s, 99)), max: r2(s.at(-1) ?? NaN) };
  };
  return { rounds, decisionToNextRunningMs: dist(totalMs), decisionHttpResponseMs: dist(responseMs), decisionToLeaseGrantedMs: dist(grantMs) };
}

export async function run(): Promise<Record<string, unknown>> {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const concurrency = Number(process.env.BENCH_CONCURRENT ?? 200);
  const rounds = Number(process.env.BENCH_APPROVALS ?? 100);
  if (!global.gc) {
    v8.setFlagsFromString('--expose-gc');
    global.gc = runInNewContext('gc') as typeof global.gc;
  }
  const server = await startBenchServer();
  const runner = startRunnerProcess({ url: server.url, token: server.runnerToken, dataDir: server.dataDir, capacity: RUNNER_CAPACITY });
  try {
    const sync = asSqlite(server.app.db, 'bench').pragma('synchronous', { simple: true }) as number;
    if (sync !== 2) throw new Error(`expected synchronous=FULL (2), got ${sync}`);
    const journalMode = asSqlite(server.app.db, 'bench').pragma('journal_mode', { simple: true }) as string;
    const { dispatcher } = server.app.engine;
    const t0 = Date.now();
    while (dispatcher.runners.size === 0) {
      if (Date.now() - t0 > 30_000 || runner.child.exitCode !== null) throw new Error(`runner did not connect: ${runner.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }

    const long = { wait: await longWorkflow(server, 'wait', runs), notify: await longWorkflow(server, 'notify', runs) };
    process.stderr.write(`1,000 steps: ${JSON.stringify({ wait: long.wait.perStepMs, notify: long.notify.perStepMs })}\n`);
    const many = {
      wait: await concurrent(server, runner.child.pid!, 'wait', concurrency),
      notify: await concurrent(server, runner.child.pid!, 'notify', concurrency),
    };
    process.stderr.write(`concurrent: ${JSON.stringify({ wait: many.wait.wallMs, notify: many.notify.wallMs })}\n`);
    const approval = await approvalResume(server, rounds);
    process.stderr.write(`approval resume: ${JSON.stringify(approval.decisionToNextRunningMs)}\n`);
    const runnerErrors = runner
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)\b|\berror\b/i.test(l)).length;
    return {
      durability: { synchronous: 'FULL', journalMode },
      runnerCapacity: RUNNER_CAPACITY,
      thousandSteps: long,
      concurrent: many,
      approvalResume: approval,
      runnerErrorLines: runnerErrors,
      goals: {
        perStepUnder0_5ms: long.wait.perStepMs.median < GOAL_PER_STEP_MS,
        perStepUnder0_5msNotify: long.notify.perStepMs.median < GOAL_PER_STEP_MS,
        approvalResumeP99Under50ms: approval.decisionToNextRunningMs.p99 < GOAL_RESUME_P99_MS,
      },
    };
  } finally {
    await runner.stop();
    await server.close();
  }
}

export function markdown(r: Record<string, any>): string {
  const yes = (b: boolean) => (b ? 'yes' : '**NO**');
  const L = r.thousandSteps;
  const C = r.concurrent;
  const A = r.approvalResume;
  const longRow = (x: any) =>
    `| ${x.step} | ${x.perStepMs.median} ms | ${x.perStepMs.min} – ${x.perStepMs.max} ms | ${x.durationMs} ms | ${x.journalEventsPerStep} | ${x.journalEventsPerSecond} | ${x.runnerEventsPerSecond} |`;
  const manyRow = (x: any) =>
    `| ${x.step} | ${x.executions} × ${x.steps} | ${x.wallMs} ms (${x.postedMs} ms to post) | ${x.executionsPerSecond} | ${x.stepsPerSecond} | ${x.failed} | ${x.createdToFinishedMs.p50} / ${x.createdToFinishedMs.p99} / ${x.createdToFinishedMs.max} ms | ${x.peakRssMiB.server} MiB (from ${x.rssBeforeMiB.server}) | ${x.peakRssMiB.runner} MiB (from ${x.rssBeforeMiB.runner}) |`;
  return [
    `Server in the bench process (real SQLite file, journal_mode=${r.durability.journalMode}, synchronous=${r.durability.synchronous}); one real runner process (\`runner/src/main.ts\`, capacity ${r.runnerCapacity}). Trivial step: \`wait\` with \`until\` in the past (runner: \`step.started\` + \`step.succeeded\`; the server journals one \`step.updated\` when both arrive in one batch, running and succeeded otherwise); \`notify\` adds a message per step (a \`step.log\` when there is no session).`,
    '',
    `### 1,000-step workflow (median of ${L.wait.runs} runs after a warm-up)`,
    '',
    'Per-step overhead = (finishedAt − startedAt) / 1,000, as the server recorded them; the rest is from the median run. The runner batches events (≤ 500 per frame, one ingest transaction per frame; transactions arriving in one event-loop turn share one group commit), so steps are durable per batch, not per step.',
    '',
    '| step | per step (median) | min – max | execution | journal events per step | journal events/s | runner events/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    longRow(L.wait),
    longRow(L.notify),
    '',
    `### ${C.wait.executions} executions × ${C.wait.steps} steps started at once (concurrent POSTs)`,
    '',
    '| step | work | wall | executions/s | steps/s | failed | created → finished p50 / p99 / max | server peak RSS | runner peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    manyRow(C.wait),
    manyRow(C.notify),
    '',
    `Peak RSS: ${C.wait.peakRssMiB.method}.`,
    '',
    `### Approval decision → next step under way (${A.rounds} sequential executions)`,
    '',
    "From sending `POST /api/approvals/:id/decision` to the next step's first journal event `step.updated` (running, or succeeded when its start and finish reached the server in one runner batch); the lease re-grant (`execution.updated` running) in between.",
    '',
    '| | p50 | p99 | max |',
    '| --- | ---: | ---: | ---: |',
    `| decision → next step's first event | ${A.decisionToNextRunningMs.p50} ms | ${A.decisionToNextRunningMs.p99} ms | ${A.decisionToNextRunningMs.max} ms |`,
    `| decision → HTTP response | ${A.decisionHttpResponseMs.p50} ms | ${A.decisionHttpResponseMs.p99} ms | ${A.decisionHttpResponseMs.max} ms |`,
    `| decision → lease granted again | ${A.decisionToLeaseGrantedMs.p50} ms | ${A.decisionToLeaseGrantedMs.p99} ms | ${A.decisionToLeaseGrantedMs.max} ms |`,
    '',
    `Goals: per-step overhead under ${GOAL_PER_STEP_MS} ms with synchronous=FULL: ${yes(r.goals.perStepUnder0_5ms)} (wait), ${yes(r.goals.perStepUnder0_5msNotify)} (notify); approval resume p99 under ${GOAL_RESUME_P99_MS} ms: ${yes(r.goals.approvalResumeP99Under50ms)}.`,
  ].join('\n');
}
