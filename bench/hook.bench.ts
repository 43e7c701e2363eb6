/**
 * The hook hot path, Weft against Node-RED in the same run:
 *   1. `POST /hooks/<path>?wait=30` on a 5-step workflow, autocannon (its own process) at concurrency
 *      1 and 10: requests/s and latency;
 *   2. chains of 10, 100, 1,000 and 5,000 steps behind a hook with `?wait`, one request at a time:
 *      wall time per request (median), per step, and the least-squares line `a + b·steps` (b is the
 *      marginal cost of a step, r² shows the linearity).
 *
 * Weft: started as `pnpm start` runs it (`node scripts/start.mjs`: the built server, real SQLite file,
 * default synchronous=FULL, and the runner it starts, at its default capacity). The trivial step is `wait` with an `until` already past:
 * the cheapest step that still goes through the runner (lease, config evaluated, `step.started` and
 * `step.succeeded` journaled durably); `notify` adds a server round trip, `bash` a process.
 * Node-RED 4.1 (installed from the registry into ~/.cache/weft-bench, never a dependency): `http in`
 * → N `change` nodes → `http response`, in memory. Skipped, and said so, when it cannot be installed.
 */
import { performance } from 'node:perf_hooks';
import { freePort } from './lib/faults';
import { installNodeRed, NODE_RED_VERSION, startNodeRed } from './lib/node-red';
import { postLoad, makeDataDir, ROOT, sleep, type AutocannonResult, WARM_SECONDS, warmLoad } from './lib/weft';
import { startProcess } from './lib/runtime-process';
import fs from 'node:fs';

export const title = 'Hook: 5-step webhook throughput and per-step cost, against Node-RED';

const SECONDS = Number(process.env.BENCH_HOOK_SECONDS ?? 15);
const CONCURRENCY = [1, 10];
/** The runner's default WEFT_RUNNER_CAPACITY (runner/src/config.ts): the runtime starts it unset. */
const RUNNER_CAPACITY = 16;
const TOKEN = 'bench-hook-token-0123456789abcdef';
const CHAINS = [10, 100, 1000, 5000];
/** Sequential requests per chain length: enough that the short chains are not one noisy sample. */
const CHAIN_RUNS: Record<number, number> = { 10: 40, 100: 20, 1000: 7, 5000: 3 };
const GOALS = { c10: 1200, c1: 400, perStepUs: 40 };
const PAST = '2000-01-01T00:00:00Z';

const r1 = (x: number) => Math.round(x * 10) / 10;

type Target = { name: string; hookUrl(steps: number): string };
type Throughput = { requestsPerSecond: number; latencyMs: { p50: number; p99: number; max: number }; ok2xx: number; non2xx: number; errors: number };
type Chain = { steps: number; runs: number; medianMs: number; perStepUs: number };

const post = async (url: string) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
  return { status: res.status, body: await res.text() };
};

async function throughput(url: string, c: number): Promise<Throughput> {
  const r: AutocannonResult = await postLoad({ url, concurrency: c, seconds: SECONDS, timeoutSeconds: 40 });
  return {
    requestsPerSecond: r1(r.requests.average),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

async function chains(target: Target): Promise<{ chains: Chain[]; line: { fixedMs: number; perStepUs: number; r2: number }; perStepUs100to1000: number }> {
  const out: Chain[] = [];
  for (const steps of CHAINS) {
    const url = target.hookUrl(steps);
    await post(url); // warm-up, not counted
    const times: number[] = [];
    for (let i = 0; i < CHAIN_RUNS[steps]!; i++) {
      const t0 = performance.now();
      const res = await post(url);
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`${target.name} ${steps}-step chain: ${res.status} ${res.body.slice(0, 300)}`);
    }
    times.sort((a, b) => a - b);
    const medianMs = times[Math.floor((times.length - 1) / 2)]!;
    out.push({ steps, runs: times.length, medianMs: r1(medianMs), perStepUs: r1((medianMs / steps) * 1000) });
  }
  // Least squares over the medians: time = fixed + perStep · steps.
  const n = out.length;
  const mx = out.reduce((s, c) => s + c.steps, 0) / n;
  const my = out.reduce((s, c) => s + c.medianMs, 0) / n;
  const sxy = out.reduce((s, c) => s + (c.steps - mx) * (c.medianMs - my), 0);
  const sxx = out.reduce((s, c) => s + (c.steps - mx) ** 2, 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssRes = out.reduce((s, c) => s + (c.medianMs - (intercept + slope * c.steps)) ** 2, 0);
  const ssTot = out.reduce((s, c) => s + (c.medianMs - my) ** 2, 0);
  const at = (steps: number) => out.find((c) => c.steps === steps)!.medianMs;
  return {
    chains: out,
    line: { fixedMs: r1(intercept), perStepUs: r1(slope * 1000), r2: Math.round((1 - ssRes / ssTot) * 10000) / 10000 },
    perStepUs100to1000: r1(((at(1000) - at(100)) / 900) * 1000),
  };
}

async function measure(target: Target) {
  const hook: Record<string, Throughput> = {};
  await warmLoad([target.hookUrl(5)], Math.max(...CONCURRENCY));
  for (const c of CONCURRENCY) hook[`c${c}`] = await throughput(target.hookUrl(5), c);
  return { hook, ...(await chains(target)) };
}

/** A request to the started runtime with the access token. */
async function api(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

/** Weft as a user runs it: `node scripts/start.mjs` (what `pnpm start` runs: built server and the runner it starts). */
async function weft() {
  const dataDir = makeDataDir();
  const port = await freePort();
  const runtime = startProcess(process.execPath, ['--max-semi-space-size=2', 'scripts/start.mjs'], {
    cwd: ROOT,
    env: { PORT: String(port), HOST: '127.0.0.1', WEFT_DATA_DIR: dataDir, WEFT_TOKEN: TOKEN, WEFT_LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await runtime.ready({ port, runner: false, timeoutMs: 300_000 });
    for (const steps of [5, ...CHAINS]) {
      const definition = { name: `${steps} wait steps`, steps: Array.from({ length: steps }, (_, i) => ({ id: `s${i}`, type: 'wait', until: PAST })) };
      const wf = await api(url, 'POST', '/api/workflows', { definition });
      if (wf.status !== 201 && wf.status !== 200) throw new Error(`POST /api/workflows: ${wf.status} ${JSON.stringify(wf.body).slice(0, 300)}`);
      // Unsigned (allowed on loopback): autocannon repeats one request, and a signed one repeated is a replay.
      const trigger = {
        workflowId: wf.body.id,
        type: 'webhook',
        enabled: true,
        webhook: { path: `bench/${steps}`, verify: 'none', rateLimitPerMinute: 1_000_000 },
      };
      const res = await api(url, 'PUT', `/api/triggers/hook-${steps}`, trigger);
      if (res.status !== 200) throw new Error(`PUT trigger: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    const target: Target = { name: 'Weft', hookUrl: (steps) => `${url}/hooks/bench/${steps}?wait=120` };
    let warm = { status: 0, body: '' };
    for (let i = 0; i < 100 && warm.status !== 200; i++) {
      warm = await post(target.hookUrl(5));
      if (warm.status !== 200) await sleep(100);
    }
    if (warm.status !== 200) throw new Error(`the runner did not finish a warm-up run: ${warm.status} ${warm.body} ${runtime.output().slice(-1000)}`);
    return { runnerCapacity: RUNNER_CAPACITY, ...(await measure(target)) };
  } finally {
    await runtime.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function nodeRed() {
  const installed = installNodeRed();
  if ('error' in installed) return { skipped: installed.error };
  const red = await startNodeRed({ redJs: installed.redJs, port: await freePort(), chains: [5, ...CHAINS] });
  try {
    return { version: NODE_RED_VERSION, ...(await measure({ name: 'Node-RED', hookUrl: (steps) => `${red.url}/hook/${steps}` })) };
  } finally {
    await red.stop();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const w = await weft();
  process.stderr.write(`weft: ${JSON.stringify(w)}\n`);
  const nr = await nodeRed();
  process.stderr.write(`node-red: ${JSON.stringify(nr)}\n`);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios =
    'skipped' in nr
      ? null
      : {
          c1: ratio(w.hook.c1!.requestsPerSecond, nr.hook.c1!.requestsPerSecond),
          c10: ratio(w.hook.c10!.requestsPerSecond, nr.hook.c10!.requestsPerSecond),
          perStep100to1000: ratio(w.perStepUs100to1000, nr.perStepUs100to1000),
        };
  process.stderr.write(`Weft / Node-RED: ${ratios ? JSON.stringify(ratios) : 'Node-RED not run'}\n`);
  return { durationSeconds: SECONDS, warmSeconds: WARM_SECONDS, weftOverNodeRed: ratios, weft: w, nodeRed: nr };
}

type Measured = Awaited<ReturnType<typeof measure>>;

export function markdown(r: Record<string, unknown>): string {
  const w = r.weft as Measured & { runnerCapacity: number };
  const nr = r.nodeRed as (Measured & { version: string }) | { skipped: string };
  const red = 'skipped' in nr ? null : nr;
  const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}` : '—');
  const lines = [
    `Weft: started as \`pnpm start\` runs it (built server, synchronous=FULL, and the runner it starts at its default capacity, ${w.runnerCapacity}); trivial step \`wait\` until a past instant.`,
    red
      ? `Node-RED ${red.version}: \`http in\` → N \`change\` nodes → \`http response\`, in memory.`
      : `Node-RED: not run (${nr && 'skipped' in nr ? nr.skipped : '?'}).`,
    `autocannon in its own process, ${r.durationSeconds} s per run, after ${r.warmSeconds ?? 0} s of unrecorded load at the highest concurrency on each target. Absolute figures follow the machine's load at the time: compare the ratios, which come from one run.`,
    '',
    '### 5-step hook, `POST /hooks/<path>?wait`',
    '',
    '| concurrency | Weft req/s | p50 | p99 | Node-RED req/s | p50 | p99 | Weft / Node-RED | goal |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of CONCURRENCY) {
    const a = w.hook[`c${c}`]!;
    const b = red?.hook[`c${c}`];
    const goal = c === 10 ? GOALS.c10 : GOALS.c1;
    lines.push(
      `| ${c} | ${a.requestsPerSecond} | ${a.latencyMs.p50} ms | ${a.latencyMs.p99} ms | ${b?.requestsPerSecond ?? '—'} | ${b ? `${b.latencyMs.p50} ms` : '—'} | ${b ? `${b.latencyMs.p99} ms` : '—'} | ${ratio(a.requestsPerSecond, b?.requestsPerSecond)} | ≥ ${goal}: ${a.requestsPerSecond >= goal ? 'yes' : '**no**'} |`,
    );
  }
  lines.push(
    '',
    '### Chains: one request at a time, median wall time',
    '',
    '| steps | Weft median | Weft per step | Node-RED median | Node-RED per step |',
    '| ---: | ---: | ---: | ---: | ---: |',
  );
  for (const ch of w.chains) {
    const b = red?.chains.find((x) => x.steps === ch.steps);
    lines.push(`| ${ch.steps} | ${ch.medianMs} ms | ${ch.perStepUs} µs | ${b ? `${b.medianMs} ms` : '—'} | ${b ? `${b.perStepUs} µs` : '—'} |`);
  }
  lines.push(
    '',
    `Line through the medians (time = fixed + per step · steps): Weft ${w.line.fixedMs} ms + ${w.line.perStepUs} µs/step, r² ${w.line.r2}` +
      (red ? `; Node-RED ${red.line.fixedMs} ms + ${red.line.perStepUs} µs/step, r² ${red.line.r2}.` : '.'),
    `Per step from 100 to 1,000 steps ((t1000 − t100) / 900): Weft ${w.perStepUs100to1000} µs${red ? `, Node-RED ${red.perStepUs100to1000} µs, ratio ${ratio(w.perStepUs100to1000, red.perStepUs100to1000)}` : ''}; goal ≤ ${GOALS.perStepUs} µs: ${w.perStepUs100to1000 <= GOALS.perStepUs ? 'yes' : '**no**'}.`,
    '',
    '<details><summary>raw result</summary>',
    '',
    '```json',
    JSON.stringify(r, null, 2),
    '```',
    '',
    '</details>',
  );
  return lines.join('\n');
}
