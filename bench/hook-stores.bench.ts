/**
 * The 5-step hook (`POST /hooks/<path>?wait`, autocannon at concurrency 1 and 10) on one server with
 * SQLite and on one server with PostgreSQL (WEFT_DATABASE_URL), in the same run, each started as
 * `pnpm start` runs it (built server and its runner); and at concurrency 10 on two servers on one
 * PostgreSQL database (built servers with WEFT_START_RUNNER=0, one runner process on each), the load
 * split over them. The targets take turns, `ROUNDS` times, and the median round is reported, so a
 * drift in the machine's load hits each alike.
 *
 * Journal fan-out across servers, in the two-server rounds: a live client on each server follows the
 * `executions` topic during the load, and each event's arrival on one is compared with its arrival on
 * the other (the writer's own client gets it from the local publish, the other through PostgreSQL);
 * then the same under a steady open-loop load at half the rate the two servers did at c10 (requests
 * sent at even intervals whether or not earlier ones finished, the figure to plan with: a
 * saturating closed loop measures the queue it builds); then, the load over, chats created one at a
 * time through server A, each seen by a client on B.
 *
 * Every target is warmed by `WARM_SECONDS` of load at the measured concurrency before its runs.
 *
 * PostgreSQL: a throwaway cluster on this machine (as the tests start it: fsync on,
 * synchronous_commit on), or the server in WEFT_TEST_DATABASE_URL.
 * BENCH_COMPARE_ROOT=<another checkout, built> adds its SQLite as a third target: before/after pairs
 * of a change on the SQLite hot path.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startTestPostgres } from '../server/test/support/postgres';
import { freePort } from './lib/faults';
import { startProcess, type StartedProcess } from './lib/runtime-process';
import { followArrivals } from './lib/topic-arrivals';
import { type AutocannonResult, makeDataDir, percentile, postLoad, ROOT, sleep, WARM_SECONDS, warmLoad } from './lib/weft';

export const title = 'Hook on SQLite and on PostgreSQL: the 5-step webhook on one server each, and on two servers on one PostgreSQL';

const SECONDS = Number(process.env.BENCH_HOOK_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = [1, 10];
const TOKEN = 'bench-hook-token-0123456789abcdef';
const RUNNER_TOKEN = 'bench-hook-runner-token-0123456789';
const SECRET_KEY = 'bench-hook-secret-key-0123456789abcdef0123456789abcdef';
/** Chats created through A, one at a time (a `session.updated` event each), for the idle fan-out figure. */
const FANOUT_WRITES = 200;
const PAST = '2000-01-01T00:00:00Z';

type Target = { name: string; root: string; env: () => Promise<Record<string, string>> };
type Figures = { requestsPerSecond: number; p50: number; p99: number; non2xx: number; errors: number };
type Latency = { samples: number; missed: number; p50: number; p99: number; max: number };
type FanOut = { underLoad: Latency; halfLoad: Latency; idle: Latency };
/** The steady phase: requests per second offered (both servers), and the hook's latency at that rate. */
type Steady = { offered: number; requestsPerSecond: number; p50: number; p99: number; failed: number };
const FAN_OUT_ROWS = [
  ['underLoad', 'under the c10 load (saturating)'],
  ['halfLoad', 'under a steady load at half the c10 rate'],
  ['idle', 'idle, one write at a time'],
] as const;
const TWO_SERVERS = 'PostgreSQL, two servers';

async function api(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.text()) || '' };
}

/** A 5-step hook (`bench/5`, wait steps) through the API of `url`; returns its `?wait` URL path. */
async function createHook(url: string, name: string): Promise<string> {
  const definition = { name: '5 wait steps', steps: Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, type: 'wait', until: PAST })) };
  const wf = await api(url, 'POST', '/api/workflows', { definition });
  const { id } = JSON.parse(wf.body) as { id: string };
  const trigger = { workflowId: id, type: 'webhook', enabled: true, webhook: { path: 'bench/5', verify: 'none', rateLimitPerMinute: 1_000_000 } };
  const put = await api(url, 'PUT', '/api/triggers/hook-5', trigger);
  if (put.status !== 200) throw new Error(`${name}: PUT trigger ${put.status} ${put.body.slice(0, 300)}`);
  return '/hooks/bench/5?wait=60';
}

/** Until one `?wait` delivery answers 200 (the runner connected and the path warm). */
async function warmUp(hook: string, name: string, output: () => string): Promise<void> {
  let warm = 0;
  for (let i = 0; i < 100 && warm !== 200; i++) {
    warm = (await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status;
    if (warm !== 200) await sleep(100);
  }
  if (warm !== 200) throw new Error(`${name}: no warm-up run finished (${warm}): ${output().slice(-1000)}`);
}

const figures = (r: AutocannonResult): Figures => ({
  requestsPerSecond: Math.round(r.requests.average * 10) / 10,
  p50: r.latency.p50,
  p99: r.latency.p99,
  non2xx: r.non2xx,
  errors: r.errors + r.timeouts,
});

function latency(delays: number[], missed: number): Latency {
  const sorted = [...delays].sort((a, b) => a - b);
  const ms = (v: number) => Math.round(v * 10) / 10;
  return { samples: sorted.length, missed, p50: ms(percentile(sorted, 50)), p99: ms(percentile(sorted, 99)), max: ms(sorted.at(-1) ?? NaN) };
}

/**
 * Two built servers on one database, without their own runners, and one runner process on each;
 * c10 split as two autocannon processes at c5, one per server. Their requests per second add up;
 * the latencies shown are the worse server's.
 */
/**
 * `rate` requests per second to `url` for `seconds`, each sent on schedule (even intervals) whether
 * or not the earlier ones finished: an open loop, unlike autocannon's per-second budget per
 * connection, which sends each second's share back to back. Latencies from the scheduled send.
 */
async function paced(url: string, rate: number, seconds: number): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const sent: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < Math.round(rate * seconds); i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sent.push(
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}', signal: AbortSignal.timeout(40_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 200) latencies.push(performance.now() - due);
          else failed++;
        })
        .catch(() => {
          failed++;
        }),
    );
  }
  await Promise.all(sent);
  return { latencies, failed };
}

/** Live clients on both servers follow `executions` while `load` runs: each event's arrival on the one against the other. */
async function fanOutDuring<T>(urls: string[], load: () => Promise<T>): Promise<{ result: T; fanOut: Latency }> {
  const watchers = await Promise.all(urls.map((url) => followArrivals(url, TOKEN, 'executions')));
  const result = await load();
  await sleep(1000); // the last events of the load reach both clients
  const delays: number[] = [];
  let missed = 0;
  // From the later of the two subscriptions on: an event committed between them reaches only the first.
  const from = Math.max(...watchers.map((w) => w.head));
  for (const [seq, atA] of watchers[0]!.arrivals) {
    if (seq <= from) continue;
    const atB = watchers[1]!.arrivals.get(seq);
    if (atB === undefined) missed++;
    else delays.push(Math.abs(atB - atA));
  }
  for (const seq of watchers[1]!.arrivals.keys()) if (seq > from && !watchers[0]!.arrivals.has(seq)) missed++;
  for (const w of watchers) w.close();
  return { result, fanOut: latency(delays, missed) };
}

async function twoServerRound(databaseUrl: string): Promise<{ c10: Figures; steady: Steady; fanOut: FanOut }> {
  const ports = [await freePort(), await freePort()];
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const dataDirs: string[] = [];
  const processes: StartedProcess[] = [];
  const common = { WEFT_TOKEN: TOKEN, WEFT_RUNNER_TOKEN: RUNNER_TOKEN, WEFT_SECRET_KEY: SECRET_KEY, WEFT_DATABASE_URL: databaseUrl };
  try {
    const servers = ports.map((port) => {
      const dataDir = makeDataDir();
      dataDirs.push(dataDir);
      const server = startProcess(process.execPath, ['--max-semi-space-size=2', 'server/dist/start.js'], {
        cwd: ROOT,
        env: { ...common, PORT: String(port), HOST: '127.0.0.1', WEFT_DATA_DIR: dataDir, WEFT_LOG_LEVEL: 'warn', WEFT_START_RUNNER: '0' },
      });
      processes.push(server);
      return server;
    });
    await Promise.all(servers.map((s, i) => s.ready({ port: ports[i]!, runner: false, timeoutMs: 120_000 })));
    const runners = urls.map((url) => {
      const dataDir = makeDataDir();
      dataDirs.push(dataDir);
      const runner = startProcess(process.execPath, ['runner/dist/main.js'], {
        cwd: ROOT,
        env: { WEFT_SERVER_URL: url, WEFT_RUNNER_TOKEN: RUNNER_TOKEN, WEFT_DATA_DIR: dataDir, WEFT_LOG_LEVEL: 'info' },
      });
      processes.push(runner);
      return runner;
    });
    for (const r of runners) {
      const since = performance.now();
      while (!r.output().includes('connected to the server')) {
        if (r.child.exitCode !== null || performance.now() - since > 60_000) throw new Error(`runner not connected:\n${r.output().slice(-2000)}`);
        await sleep(20);
      }
    }
    const path = await createHook(urls[0]!, TWO_SERVERS);
    const hooks = urls.map((url) => url + path);
    for (const [i, hook] of hooks.entries()) await warmUp(hook, `${TWO_SERVERS} (${i})`, () => processes.map((p) => p.output()).join('\n'));
    await warmLoad(hooks, 5);

    const saturated = await fanOutDuring(urls, () =>
      Promise.all(hooks.map((hook) => postLoad({ url: hook, concurrency: 5, seconds: SECONDS, timeoutSeconds: 40 }))),
    );
    const loads = saturated.result;
    // Half of what both did at c10, split evenly over the two servers.
    const offered = Math.max(2, Math.round(loads.reduce((n, r) => n + r.requests.average, 0) / 2));
    const steady = await fanOutDuring(urls, () => Promise.all(hooks.map((hook) => paced(hook, offered / 2, SECONDS))));
    const steadyLatencies = steady.result.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const ms = (v: number) => Math.round(v * 10) / 10;

    // Idle: one write at a time through A; from its local publish (A's client) to B's client.
    const [onA, onB] = await Promise.all(urls.map((url) => followArrivals(url, TOKEN, 'sessions')));
    const idle: number[] = [];
    let missedIdle = 0;
    for (let i = 0; i < FANOUT_WRITES; i++) {
      const before = new Set(onA!.arrivals.keys());
      const created = await api(urls[0]!, 'POST', '/api/sessions', { title: `fan-out ${i}` });
      if (created.status !== 201) throw new Error(`fan-out write ${created.status}: ${created.body.slice(0, 300)}`);
      const deadline = performance.now() + 2000;
      let seqs: number[] = [];
      while (performance.now() < deadline) {
        seqs = [...onA!.arrivals.keys()].filter((s) => !before.has(s));
        if (seqs.length > 0 && seqs.every((s) => onB!.arrivals.has(s))) break;
        await sleep(1);
      }
      for (const s of seqs) {
        const atB = onB!.arrivals.get(s);
        if (atB === undefined) missedIdle++;
        else idle.push(atB - onA!.arrivals.get(s)!);
      }
      await sleep(10);
    }
    onA!.close();
    onB!.close();

    const worse = (pick: (r: AutocannonResult) => number) => Math.max(...loads.map(pick));
    return {
      c10: {
        requestsPerSecond: Math.round(loads.reduce((n, r) => n + r.requests.average, 0) * 10) / 10,
        p50: worse((r) => r.latency.p50),
        p99: worse((r) => r.latency.p99),
        non2xx: loads.reduce((n, r) => n + r.non2xx, 0),
        errors: loads.reduce((n, r) => n + r.errors + r.timeouts, 0),
      },
      steady: {
        offered,
        requestsPerSecond: ms(steadyLatencies.length / SECONDS),
        p50: ms(percentile(steadyLatencies, 50)),
        p99: ms(percentile(steadyLatencies, 99)),
        failed: steady.result.reduce((n, r) => n + r.failed, 0),
      },
      fanOut: { underLoad: saturated.fanOut, halfLoad: steady.fanOut, idle: latency(idle, missedIdle) },
    };
  } finally {
    await Promise.all(processes.reverse().map((p) => p.stop()));
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One round on one target: start it, a 5-step hook, c1 and c10, stop. */
async function round(target: Target): Promise<Record<string, Figures>> {
  const dataDir = makeDataDir();
  const port = await freePort();
  const runtime = startProcess(process.execPath, ['--max-semi-space-size=2', 'scripts/start.mjs'], {
    cwd: target.root,
    env: { PORT: String(port), HOST: '127.0.0.1', WEFT_DATA_DIR: dataDir, WEFT_TOKEN: TOKEN, WEFT_LOG_LEVEL: 'warn', ...(await target.env()) },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await runtime.ready({ port, runner: false, timeoutMs: 300_000 });
    const hook = url + (await createHook(url, target.name));
    await warmUp(hook, target.name, runtime.output);
    await warmLoad([hook], Math.max(...CONCURRENCY));
    const out: Record<string, Figures> = {};
    for (const c of CONCURRENCY) out[`c${c}`] = figures(await postLoad({ url: hook, concurrency: c, seconds: SECONDS, timeoutSeconds: 40 }));
    return out;
  } finally {
    await runtime.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export async function run(): Promise<Record<string, unknown>> {
  // The two-server target runs the built files directly: build what is stale once, before any round.
  const build = spawnSync(process.execPath, ['scripts/build.mjs', 'server', 'runner', 'client'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const postgres = await startTestPostgres();
  try {
    const targets: Target[] = [
      { name: 'SQLite', root: ROOT, env: async () => ({}) },
      { name: 'PostgreSQL', root: ROOT, env: async () => ({ WEFT_DATABASE_URL: await postgres.createDatabase() }) },
    ];
    const compare = process.env.BENCH_COMPARE_ROOT;
    if (compare) targets.unshift({ name: `SQLite (${compare})`, root: compare, env: async () => ({}) });
    const rounds: Record<string, Record<string, Figures>[]> = Object.fromEntries([...targets.map((t) => [t.name, []]), [TWO_SERVERS, []]]);
    const fanOuts: FanOut[] = [];
    const offered: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const t of targets) {
        const r = await round(t);
        process.stderr.write(`${t.name} round ${i + 1}: ${JSON.stringify(r)}\n`);
        rounds[t.name]!.push(r);
      }
      const two = await twoServerRound(await postgres.createDatabase());
      process.stderr.write(`${TWO_SERVERS} round ${i + 1}: ${JSON.stringify(two)}\n`);
      const { steady } = two;
      rounds[TWO_SERVERS]!.push({ c10: two.c10, steady: { ...steady, non2xx: steady.failed, errors: 0 } });
      offered.push(steady.offered);
      fanOuts.push(two.fanOut);
    }
    const results = Object.fromEntries(
      Object.entries(rounds).map(([name, rs]) => [
        name,
        Object.fromEntries(
          Object.keys(rs[0]!).map((c) => {
            const each = rs.map((r) => r[c]!);
            return [
              c,
              {
                requestsPerSecond: median(each.map((r) => r.requestsPerSecond)),
                each: each.map((r) => r.requestsPerSecond),
                p50: median(each.map((r) => r.p50)),
                p99: median(each.map((r) => r.p99)),
                failed: each.reduce((n, r) => n + r.non2xx + r.errors, 0),
              },
            ];
          }),
        ),
      ]),
    );
    const fanOut = Object.fromEntries(
      FAN_OUT_ROWS.map(([k]) => {
        const each = fanOuts.map((f) => f[k]);
        return [
          k,
          {
            p50: median(each.map((l) => l.p50)),
            p99: median(each.map((l) => l.p99)),
            max: Math.max(...each.map((l) => l.max)),
            samples: each.reduce((n, l) => n + l.samples, 0),
            missed: each.reduce((n, l) => n + l.missed, 0),
            each,
          },
        ];
      }),
    );
    return { durationSeconds: SECONDS, warmSeconds: WARM_SECONDS, rounds: ROUNDS, results, steadyOffered: offered, fanOut };
  } finally {
    await postgres.stop();
  }
}

export function markdown(r: Record<string, unknown>): string {
  const results = r.results as Record<string, Record<string, { requestsPerSecond: number; each: number[]; p50: number; p99: number; failed: number }>>;
  const fanOut = r.fanOut as Record<(typeof FAN_OUT_ROWS)[number][0], Latency & { each: Latency[] }>;
  const offered = r.steadyOffered as number[];
  const lines = [
    `One server each, started as \`pnpm start\` runs it, with its runner; "${TWO_SERVERS}": two built servers on one database with \`WEFT_START_RUNNER=0\` and one runner process connected to each, the c10 load as two autocannon processes at c5, one per server (req/s summed, latencies the worse server's); then an open loop at half that rate (requests at even intervals, latency from each one's scheduled send, both servers together). PostgreSQL on this machine (fsync and synchronous_commit on). autocannon ${r.durationSeconds} s per run, after ${r.warmSeconds ?? 0} s of load at the same concurrency that is not recorded (the JIT and the heap settle first); targets take turns, ${r.rounds} rounds, median shown (each round in brackets).`,
    '',
    '| store | concurrency (or load) | req/s | p50 ms | p99 ms | failed |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, byC] of Object.entries(results)) {
    for (const [c, f] of Object.entries(byC)) {
      const load = c === 'steady' ? `steady, open loop (${offered.join(', ')} req/s offered)` : c.slice(1);
      lines.push(`| ${name} | ${load} | ${f.requestsPerSecond} (${f.each.join(', ')}) | ${f.p50} | ${f.p99} | ${f.failed} |`);
    }
  }
  lines.push(
    '',
    `Journal fan-out across the two servers: the time from an event's arrival at a live client on the server that wrote it to its arrival at a live client on the other server (same process, same clock). Under load: every \`executions\` event of the c10 runs (saturating: a closed loop keeps both servers busy, so this is the queue it builds), then of the steady load (half the c10 rate of the same round, requests sent at even intervals from the bench process, split evenly over the two servers: the figure to plan with); idle: ${FANOUT_WRITES} chats created one at a time through server A (a \`sessions\` event each), seen on B. Median over the rounds (each round's p50 / p99 in brackets); "missed": events one client never got.`,
    '',
    '| when | events | p50 ms | p99 ms | max ms | missed |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [k, label] of FAN_OUT_ROWS) {
    const f = fanOut[k];
    lines.push(
      `| ${label} | ${f.samples} | ${f.p50} (${f.each.map((l) => l.p50).join(', ')}) | ${f.p99} (${f.each.map((l) => l.p99).join(', ')}) | ${f.max} | ${f.missed} |`,
    );
  }
  return lines.join('\n');
}
