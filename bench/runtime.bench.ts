/**
 * The compiled runtime (issue 19 §1): start-up of the built server and runner, started the README's
 * way (`node --max-semi-space-size=2 scripts/start.mjs`) and through `pnpm start` (the same behind
 * pnpm's wrapper), as a ratio to a bare Fastify hello-world started with plain node; their idle RSS
 * (started the README's way); and their RSS while 20,000 executions run, with its slope over the
 * last 10,000 (flat means nothing accumulates per run).
 * `WEFT_BENCH_QUICK=1` runs 3 starts and 4,000 executions.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeDataDir, percentile, ROOT, sleep } from './lib/weft';
import { rssMiB, startProcess, type StartedProcess } from './lib/runtime-process';

export const title = 'Runtime: start-up, idle memory and memory over 20,000 executions';

const QUICK = process.env.WEFT_BENCH_QUICK === '1';
const STARTS = QUICK ? 3 : 7;
const EXECUTIONS = QUICK ? 4_000 : 20_000;
const SAMPLE_EVERY = QUICK ? 250 : 1_000;
const CONCURRENCY = 10;
const IDLE_SETTLE_MS = 10_000;
const TOKEN = 'bench-runtime-token-0123456789';
const GOALS = { startMs: 1200, idleMiB: 150, afterMiB: 250 };

const freePort = () => 20_000 + Math.floor(Math.random() * 20_000);
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

type Launch = { name: string; command: string; args: string[]; runner: boolean };
const README_WAY = 'node --max-semi-space-size=2 scripts/start.mjs (README)';
const LAUNCHES: Launch[] = [
  { name: README_WAY, command: process.execPath, args: ['--max-semi-space-size=2', 'scripts/start.mjs'], runner: true },
  { name: 'pnpm start', command: 'pnpm', args: ['start'], runner: true },
  { name: 'Fastify hello-world (node)', command: process.execPath, args: ['bench/lib/hello-fastify.mjs'], runner: false },
];

function launch({ command, args }: Launch, dataDir: string, port: number): StartedProcess {
  return startProcess(command, args, { cwd: ROOT, env: { PORT: String(port), WEFT_DATA_DIR: dataDir, WEFT_TOKEN: TOKEN } });
}

/** Cold starts (a new process each time, on a data dir that already exists), interleaved so load affects all alike. */
async function startUp(dataDir: string) {
  const times: Record<string, number[]> = Object.fromEntries(LAUNCHES.map((l) => [l.name, []]));
  let pnpmWrapperMiB = 0;
  for (let i = 0; i < STARTS; i++) {
    for (const l of LAUNCHES) {
      const port = freePort();
      const p = launch(l, dataDir, port);
      try {
        const { healthyMs, runnerMs } = await p.ready({ port, runner: l.runner });
        times[l.name]!.push(Math.max(healthyMs, runnerMs ?? 0));
        if (l.name === 'pnpm start')
          pnpmWrapperMiB = Math.max(
            pnpmWrapperMiB,
            p.processes().others.reduce((a, pid) => a + rssMiB(pid), 0),
          );
      } finally {
        await p.stop();
      }
    }
  }
  const hello = median(times['Fastify hello-world (node)']!);
  const starts = LAUNCHES.map((l) => ({
    launch: l.name,
    medianMs: Math.round(median(times[l.name]!)),
    runs: times[l.name]!.map(Math.round),
    ratioToHello: round(median(times[l.name]!) / hello, 2),
  }));
  return { starts, pnpmWrapperMiB: round(pnpmWrapperMiB) };
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]) {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** Idle RSS after start-up, then RSS while EXECUTIONS webhook runs finish (3 no-op steps each, `?wait`). */
async function memory(dataDir: string) {
  const port = freePort();
  const p = launch(LAUNCHES[0]!, dataDir, port);
  try {
    await p.ready({ port, runner: true });
    await sleep(IDLE_SETTLE_MS);
    const procs = p.processes();
    if (procs.server === null || procs.runner === null) throw new Error(`server or runner process not found: ${JSON.stringify(procs)}`);
    const sample = () => ({ server: rssMiB(procs.server!), runner: rssMiB(procs.runner!) });
    const idle = sample();

    const base = `http://127.0.0.1:${port}`;
    const steps = [1, 2, 3].map((i) => ({ id: `s${i}`, type: 'wait', until: '2000-01-01T00:00:00Z' }));
    const wf = await post(`${base}/api/workflows`, { definition: { name: 'Runtime bench', steps } });
    const trigger = {
      workflowId: wf.body.id,
      type: 'webhook',
      enabled: true,
      webhook: { path: 'bench/runtime', verify: 'none', rateLimitPerMinute: 1_000_000 },
    };
    const put = await fetch(`${base}/api/triggers/bench-runtime`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(trigger),
    });
    if (put.status !== 200) throw new Error(`PUT trigger: ${put.status} ${await put.text()}`);

    const samples: { executions: number; server: number; runner: number }[] = [{ executions: 0, ...idle }];
    let started = 0;
    let finished = 0;
    let failed = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (started < EXECUTIONS) {
          started++;
          const res = await fetch(`${base}/hooks/bench/runtime?wait=30`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
          const body = (await res.json()) as { status?: string };
          if (res.status !== 200 || body.status !== 'succeeded') failed++;
          if (++finished % SAMPLE_EVERY === 0) samples.push({ executions: finished, ...sample() });
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const lastHalf = samples.filter((s) => s.executions >= EXECUTIONS / 2).map((s) => ({ x: s.executions / 1000, y: s.server + s.runner }));
    const end = samples.at(-1)!;
    return {
      idle: { serverMiB: round(idle.server), runnerMiB: round(idle.runner), totalMiB: round(idle.server + idle.runner) },
      executions: {
        count: EXECUTIONS,
        failed,
        perSecond: Math.round(EXECUTIONS / seconds),
        endServerMiB: round(end.server),
        endRunnerMiB: round(end.runner),
        endTotalMiB: round(end.server + end.runner),
        peakTotalMiB: round(Math.max(...samples.map((s) => s.server + s.runner))),
        slopeLastHalfMiBPer1k: round(slope(lastHalf), 2),
        samples: samples.map((s) => ({ executions: s.executions, totalMiB: round(s.server + s.runner) })),
      },
    };
  } finally {
    await p.stop();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  // Starts measured are starts with nothing to rebuild: build first.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const dataDir = makeDataDir();
  try {
    // The first start creates the database (migrations) and credentials; the measured ones reopen it.
    const port = freePort();
    const first = launch(LAUNCHES[0]!, dataDir, port);
    await first.ready({ port, runner: true }).finally(() => first.stop());
    const { starts, pnpmWrapperMiB } = await startUp(dataDir);
    process.stderr.write(`start-up: ${JSON.stringify(starts)}\n`);
    const mem = await memory(dataDir);
    return {
      starts,
      pnpmWrapperMiB,
      ...mem,
      goals: GOALS,
      quick: QUICK,
      loadAverage: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function markdown(r: Record<string, any>): string {
  const lines = [
    `Built runtime (\`scripts/build.mjs\` ran first, so no start rebuilds anything); ${r.quick ? 'quick run (`WEFT_BENCH_QUICK=1`); ' : ''}` +
      'start-up is from spawn to `/api/health` answering 200 and the runner logging its connection (the hello-world has no runner), ' +
      'median of cold starts on an existing data dir, interleaved.',
    '',
    '| started as | median | runs (ms) | ratio to hello-world | goal |',
    '| --- | ---: | --- | ---: | ---: |',
    ...r.starts.map(
      (s: any) =>
        `| ${s.launch} | ${s.medianMs} ms | ${s.runs.join(', ')} | ${s.ratioToHello} | ${s.launch.startsWith('Fastify') ? '–' : `≤ ${GOALS.startMs} ms`} |`,
    ),
    '',
    `Memory (RSS, MiB) of the server and the runner started the README's way; idle is ${IDLE_SETTLE_MS / 1000} s after the runner connected. ` +
      `Then ${r.executions.count.toLocaleString('en')} webhook runs (\`?wait\`, 3 no-op steps, ${CONCURRENCY} at a time).`,
    '',
    '| figure | server | runner | total | goal |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| idle | ${r.idle.serverMiB} | ${r.idle.runnerMiB} | ${r.idle.totalMiB} | ≤ ${GOALS.idleMiB} |`,
    `| after ${r.executions.count.toLocaleString('en')} executions | ${r.executions.endServerMiB} | ${r.executions.endRunnerMiB} | ${r.executions.endTotalMiB} | ≤ ${GOALS.afterMiB} |`,
    `| peak during the runs | | | ${r.executions.peakTotalMiB} | |`,
    `| slope over the last half | | | ${r.executions.slopeLastHalfMiBPer1k} MiB / 1,000 executions | flat |`,
    '',
    `\`pnpm start\` also leaves pnpm's own process as the parent: ${r.pnpmWrapperMiB} MiB, not counted above. ` +
      `${r.executions.failed} of the runs did not answer \`succeeded\`; ${r.executions.perSecond} runs/s. ` +
      `Load average (1, 5, 15 min) at the end of the run: ${r.loadAverage}.`,
  ];
  return lines.join('\n');
}
