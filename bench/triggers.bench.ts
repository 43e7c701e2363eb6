/**
 * Triggers: (a) 1,000 schedule triggers due at the same instant, two server instances ticking on
 * one database: every execution started within 2 s, none twice. (b) webhook throughput and latency
 * through a 5-step workflow with `?wait=30`, driven by autocannon from its own process, with a real
 * runner process finishing the executions.
 */
import { postLoad, percentile, sleep, startBenchServer, startRunnerProcess, type AutocannonResult, type BenchServer } from './lib/weft';

export const title = 'Triggers: schedule fan-out and webhook throughput';

const SCHEDULE_TRIGGERS = 1000;
const WEBHOOK_SECONDS = 20;
const WEBHOOK_CONCURRENCY = [1, 10];
const RUNNER_CAPACITY = 16;

type Kind = 'wait' | 'notify' | 'bash';
/** wait (until a past instant) is the catalogue's no-op; notify adds a log line per step; bash spawns a process. */
const fiveSteps = (kind: Kind) => ({
  name: `Five ${kind} steps`,
  steps: [1, 2, 3, 4, 5].map((i) =>
    kind === 'wait'
      ? { id: `s${i}`, type: 'wait', until: '2000-01-01T00:00:00Z' }
      : kind === 'notify'
        ? { id: `s${i}`, type: 'notify', message: `step ${i} of {{ trigger.key }}` }
        : { id: `s${i}`, type: 'bash', command: `echo ${i}` },
  ),
});
const GOAL_RPS_C10 = 500;

async function putAll(s: BenchServer, bodies: [string, unknown][], concurrency = 8) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const [key, body] = bodies[next++]!;
        const res = await s.request('PUT', `/api/triggers/${key}`, body);
        if (res.status !== 200) throw new Error(`PUT ${key}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
}

/** (a) 1,000 triggers with one cron instant; both instances run their scheduler as in production. */
async function scheduleFanOut() {
  const a = await startBenchServer();
  const b = await startBenchServer({ dataDir: a.dataDir });
  try {
    const wf = await a.request('POST', '/api/workflows', { definition: fiveSteps('notify') });
    const due = new Date(Math.ceil((Date.now() + 25_000) / 1000) * 1000);
    const cron = `${due.getUTCSeconds()} ${due.getUTCMinutes()} ${due.getUTCHours()} ${due.getUTCDate()} ${due.getUTCMonth() + 1} *`;
    const setupStart = Date.now();
    await putAll(
      a,
      Array.from({ length: SCHEDULE_TRIGGERS }, (_, i) => [
        `fan-${i}`,
        { workflowId: wf.body.id, type: 'schedule', enabled: true, schedule: { cron, timezone: 'UTC', overlap: 'allow' } },
      ]),
    );
    const setupMs = Date.now() - setupStart;
    if (Date.now() > due.getTime() - 1000) throw new Error(`setup took ${setupMs} ms: too late for the due time`);
    await sleep(due.getTime() - Date.now() + 3000);
    const db = a.app.db;
    for (let i = 0; i < 50 && (db.prepare('SELECT COUNT(*) AS n FROM trigger_deliveries').get() as { n: number }).n < SCHEDULE_TRIGGERS; i++) await sleep(200);

    const deliveries = db.prepare('SELECT status, latency_ms AS latency FROM trigger_deliveries').all() as { status: string; latency: number }[];
    const latencies = deliveries.map((d) => d.latency).sort((x, y) => x - y);
    const executions = db.prepare("SELECT json_extract(trigger, '$.key') AS key, created_at AS createdAt FROM executions").all() as {
      key: string;
      createdAt: string;
    }[];
    const perKey = new Map<string, number>();
    for (const e of executions) perKey.set(e.key, (perKey.get(e.key) ?? 0) + 1);
    const createdLag = executions.map((e) => Date.parse(e.createdAt) - due.getTime()).sort((x, y) => x - y);
    const maxLagMs = Math.max(latencies.at(-1) ?? Infinity, createdLag.at(-1) ?? Infinity);
    return {
      triggers: SCHEDULE_TRIGGERS,
      schedulers: 2,
      setupMs,
      deliveries: deliveries.length,
      started: deliveries.filter((d) => d.status === 'started').length,
      executions: executions.length,
      duplicates: [...perKey.values()].filter((n) => n > 1).length,
      missing: SCHEDULE_TRIGGERS - perKey.size,
      lagMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: maxLagMs },
      within2s: maxLagMs <= 2000 && executions.length === SCHEDULE_TRIGGERS && perKey.size === SCHEDULE_TRIGGERS,
    };
  } finally {
    await b.close();
    await a.close();
  }
}

const summarize = (r: AutocannonResult) => ({
  requestsPerSecond: Math.round(r.requests.average * 10) / 10,
  requests: r.requests.total,
  latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  ok2xx: r['2xx'],
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
});

/** (b) POST /hooks/<path>?wait=30 answered when the 5-step run finishes (200) or not (202). */
async function webhookThroughput(kind: Kind) {
  const s = await startBenchServer();
  const runner = startRunnerProcess({ url: s.url, token: s.runnerToken, dataDir: s.dataDir, capacity: RUNNER_CAPACITY });
  try {
    const wf = await s.request('POST', '/api/workflows', { definition: fiveSteps(kind) });
    // Unsigned (allowed on loopback): autocannon repeats one request, and a signed one repeated is a replay.
    await putAll(s, [
      [
        'bench-hook',
        { workflowId: wf.body.id, type: 'webhook', enabled: true, webhook: { path: 'bench/hook', verify: 'none', rateLimitPerMinute: 1_000_000 } },
      ],
    ]);
    const hook = `${s.url}/hooks/bench/hook?wait=30`;
    // Warm up until the runner is connected and one run finishes end to end.
    let warm: { status: number; body: any } = { status: 0, body: null };
    for (let i = 0; i < 20 && warm.status !== 200; i++) {
      const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"warmup":true}' });
      warm = { status: res.status, body: await res.json() };
    }
    if (warm.status !== 200 || warm.body.status !== 'succeeded') {
      return { error: `runner did not finish a warm-up run: ${JSON.stringify(warm)}`, runnerOutput: runner.output().slice(-2000) };
    }
    const runs: Record<string, unknown> = {};
    for (const c of WEBHOOK_CONCURRENCY) {
      const before = s.app.db.prepare("SELECT COUNT(*) AS n FROM executions WHERE status = 'succeeded'").get() as { n: number };
      const result = await postLoad({ url: hook, concurrency: c, seconds: WEBHOOK_SECONDS, timeoutSeconds: 40 });
      await sleep(500);
      const after = s.app.db.prepare("SELECT COUNT(*) AS n FROM executions WHERE status = 'succeeded'").get() as { n: number };
      runs[`c${c}`] = { ...summarize(result), succeededExecutions: after.n - before.n };
    }
    return { steps: `5 × ${kind}`, runnerCapacity: RUNNER_CAPACITY, durationSeconds: WEBHOOK_SECONDS, ...runs };
  } finally {
    await runner.stop();
    await s.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const schedule = await scheduleFanOut();
  process.stderr.write(`schedule fan-out: ${JSON.stringify(schedule)}\n`);
  const webhookWait = await webhookThroughput('wait');
  process.stderr.write(`webhook (wait): ${JSON.stringify(webhookWait)}\n`);
  const webhookNotify = await webhookThroughput('notify');
  process.stderr.write(`webhook (notify): ${JSON.stringify(webhookNotify)}\n`);
  const webhookBash = await webhookThroughput('bash');
  process.stderr.write(`webhook (bash): ${JSON.stringify(webhookBash)}\n`);
  return { schedule, webhookWait, webhookNotify, webhookBash };
}

export function markdown(r: Record<string, unknown>): string {
  const sched = r.schedule as Awaited<ReturnType<typeof scheduleFanOut>>;
  const lines = [
    '### (a) 1,000 schedule triggers due at the same instant',
    '',
    'Two server instances on one data dir, both running the scheduler (timer armed at the earliest `next_run_at`, at least every 1 s); default `synchronous=FULL`.',
    'Lag = from the cron instant to the commit of the delivery row and its execution.',
    '',
    '| triggers | executions | duplicates | missing | lag p50 | lag p99 | lag max | all within 2 s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
    `| ${sched.triggers} | ${sched.executions} | ${sched.duplicates} | ${sched.missing} | ${sched.lagMs.p50} ms | ${sched.lagMs.p99} ms | ${sched.lagMs.max} ms | ${sched.within2s ? 'yes' : 'NO'} |`,
    '',
    '### (b) Webhook `POST /hooks/<path>?wait=30`, 5-step workflow, real runner process',
    '',
    `autocannon (separate process), ${WEBHOOK_SECONDS} s per run; runner capacity ${RUNNER_CAPACITY}; server, runner and autocannon share the machine.`,
    '',
    '| steps | concurrency | req/s | p50 | p90 | p99 | max | 2xx | non-2xx | errors/timeouts | executions succeeded |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const key of ['webhookWait', 'webhookNotify', 'webhookBash'] as const) {
    const w = r[key] as Record<string, any> | undefined;
    if (!w) continue;
    if (w.error) {
      lines.push(`| ${key} | — | not run: ${String(w.error).slice(0, 200)} | | | | | | | | |`);
      continue;
    }
    for (const c of WEBHOOK_CONCURRENCY) {
      const x = w[`c${c}`];
      lines.push(
        `| ${w.steps} | ${c} | ${x.requestsPerSecond} | ${x.latencyMs.p50} ms | ${x.latencyMs.p90} ms | ${x.latencyMs.p99} ms | ${x.latencyMs.max} ms | ${x.ok2xx} | ${x.non2xx} | ${x.errors}/${x.timeouts} | ${x.succeededExecutions} |`,
      );
    }
  }
  const wait10 = (r.webhookWait as Record<string, any> | undefined)?.c10;
  lines.push(
    '',
    `Goal: at least ${GOAL_RPS_C10} requests/s at concurrency 10 (5 trivial steps): ${wait10 ? (wait10.requestsPerSecond >= GOAL_RPS_C10 ? 'yes' : `**NO** (${wait10.requestsPerSecond})`) : 'not run'}.`,
    '',
    'Each execution is durable before it is acknowledged (synchronous=FULL semantics): the hook fire and its lease grant share one group commit, the runner batch another; each waits for its WAL fdatasync.',
    '',
    'Throughput here follows the speed of the machine at the time: on a shared VM, runs of the same code minutes apart can differ by a third. Compare runs made close together.',
  );
  lines.push('', '<details><summary>raw result</summary>', '', '```json', JSON.stringify(r, null, 2), '```', '', '</details>');
  return lines.join('\n');
}
