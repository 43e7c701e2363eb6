/**
 * The 5-step hook (`POST /hooks/<path>?wait`, autocannon at concurrency 1 and 10) on one server with
 * SQLite and on one server with PostgreSQL (WEFT_DATABASE_URL), in the same run, each started as
 * `pnpm start` runs it (built server and its runner). The targets take turns, `ROUNDS` times, and
 * the median round is reported, so a drift in the machine's load hits each alike.
 *
 * PostgreSQL: a throwaway cluster on this machine (as the tests start it: fsync on,
 * synchronous_commit on), or the server in WEFT_TEST_DATABASE_URL.
 * BENCH_COMPARE_ROOT=<another checkout, built> adds its SQLite as a third target: before/after pairs
 * of a change on the SQLite hot path.
 */
import fs from 'node:fs';
import { startTestPostgres } from '../server/test/support/postgres';
import { freePort } from './lib/faults';
import { startProcess } from './lib/runtime-process';
import { makeDataDir, postLoad, ROOT, sleep } from './lib/weft';

export const title = 'Hook on SQLite and on PostgreSQL: the 5-step webhook, one server each';

const SECONDS = Number(process.env.BENCH_HOOK_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = [1, 10];
const TOKEN = 'bench-hook-token-0123456789abcdef';
const PAST = '2000-01-01T00:00:00Z';

type Target = { name: string; root: string; env: () => Promise<Record<string, string>> };
type Figures = { requestsPerSecond: number; p50: number; p99: number; non2xx: number; errors: number };

async function api(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.text()) || '' };
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
    const definition = { name: '5 wait steps', steps: Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, type: 'wait', until: PAST })) };
    const wf = await api(url, 'POST', '/api/workflows', { definition });
    const { id } = JSON.parse(wf.body) as { id: string };
    const trigger = { workflowId: id, type: 'webhook', enabled: true, webhook: { path: 'bench/5', verify: 'none', rateLimitPerMinute: 1_000_000 } };
    const put = await api(url, 'PUT', '/api/triggers/hook-5', trigger);
    if (put.status !== 200) throw new Error(`${target.name}: PUT trigger ${put.status} ${put.body.slice(0, 300)}`);
    const hook = `${url}/hooks/bench/5?wait=60`;
    let warm = 0;
    for (let i = 0; i < 100 && warm !== 200; i++) {
      warm = (await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status;
      if (warm !== 200) await sleep(100);
    }
    if (warm !== 200) throw new Error(`${target.name}: no warm-up run finished (${warm}): ${runtime.output().slice(-1000)}`);
    const out: Record<string, Figures> = {};
    for (const c of CONCURRENCY) {
      const r = await postLoad({ url: hook, concurrency: c, seconds: SECONDS, timeoutSeconds: 40 });
      out[`c${c}`] = {
        requestsPerSecond: Math.round(r.requests.average * 10) / 10,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      };
    }
    return out;
  } finally {
    await runtime.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export async function run(): Promise<Record<string, unknown>> {
  const postgres = await startTestPostgres();
  try {
    const targets: Target[] = [
      { name: 'SQLite', root: ROOT, env: async () => ({}) },
      { name: 'PostgreSQL', root: ROOT, env: async () => ({ WEFT_DATABASE_URL: await postgres.createDatabase() }) },
    ];
    const compare = process.env.BENCH_COMPARE_ROOT;
    if (compare) targets.unshift({ name: `SQLite (${compare})`, root: compare, env: async () => ({}) });
    const rounds: Record<string, Record<string, Figures>[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let i = 0; i < ROUNDS; i++) {
      for (const t of targets) {
        const r = await round(t);
        process.stderr.write(`${t.name} round ${i + 1}: ${JSON.stringify(r)}\n`);
        rounds[t.name]!.push(r);
      }
    }
    const results = Object.fromEntries(
      targets.map((t) => [
        t.name,
        Object.fromEntries(
          CONCURRENCY.map((c) => {
            const rs = rounds[t.name]!.map((r) => r[`c${c}`]!);
            return [
              `c${c}`,
              {
                requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
                each: rs.map((r) => r.requestsPerSecond),
                p50: median(rs.map((r) => r.p50)),
                p99: median(rs.map((r) => r.p99)),
                failed: rs.reduce((n, r) => n + r.non2xx + r.errors, 0),
              },
            ];
          }),
        ),
      ]),
    );
    return { durationSeconds: SECONDS, rounds: ROUNDS, results };
  } finally {
    await postgres.stop();
  }
}

export function markdown(r: Record<string, unknown>): string {
  const results = r.results as Record<string, Record<string, { requestsPerSecond: number; each: number[]; p50: number; p99: number; failed: number }>>;
  const lines = [
    `One server each, started as \`pnpm start\` runs it, with its runner; PostgreSQL on this machine (fsync and synchronous_commit on). autocannon ${r.durationSeconds} s per run; targets take turns, ${r.rounds} rounds, median shown (each round in brackets).`,
    '',
    '| store | concurrency | req/s | p50 ms | p99 ms | failed |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, byC] of Object.entries(results)) {
    for (const [c, f] of Object.entries(byC)) {
      lines.push(`| ${name} | ${c.slice(1)} | ${f.requestsPerSecond} (${f.each.join(', ')}) | ${f.p50} | ${f.p99} | ${f.failed} |`);
    }
  }
  return lines.join('\n');
}
