import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Journal } from '../../server/src/journal/journal';
import { loadConfig } from '../../server/src/config';
import { buildServer } from '../../server/src/server';
import { startRunner } from '../../server/test/helpers/runner-process';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type BenchServer = {
  app: Awaited<ReturnType<typeof buildServer>>;
  url: string;
  token: string;
  /** What runner processes present on /ws/runner (never `token`). */
  runnerToken: string;
  dataDir: string;
  request(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
};

export const makeDataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));

/**
 * A real server on a free loopback port, default durability (synchronous=FULL), logs quiet. A data
 * dir it made itself is removed when it closes; one passed in (shared with another server) is not.
 */
export async function startBenchServer({ dataDir: given, env = {} }: { dataDir?: string; env?: Record<string, string> } = {}): Promise<BenchServer> {
  const dataDir = given ?? makeDataDir();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', WEFT_LOG_LEVEL: 'warn', WEFT_DATA_DIR: dataDir, ...env });
  const app = await buildServer({ config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const token = app.auth.token;
  return {
    app,
    url,
    token,
    runnerToken: app.auth.runnerToken,
    dataDir,
    async request(method, p, body) {
      const res = await fetch(url + p, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async close() {
      await app.close();
      if (given === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type RunnerProcess = { child: ChildProcess; output(): string; stop(): Promise<void> };

/** The real runner process (runner/src/main.ts), as `pnpm --filter @weft/runner start` starts it. */
export function startRunnerProcess({ url, token, dataDir, capacity }: { url: string; token: string; dataDir: string; capacity: number }): RunnerProcess {
  const runner = startRunner({ url, token, dataDir, capacity });
  return {
    child: runner.child,
    output: runner.output,
    async stop() {
      const timer = setTimeout(() => runner.child.kill('SIGKILL'), 8000);
      await runner.kill('SIGTERM');
      clearTimeout(timer);
    },
  };
}

export type AutocannonResult = {
  requests: { average: number; total: number };
  latency: { average: number; p50: number; p90: number; p99: number; max: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
};

/** autocannon's CLI in its own process, so the load generator does not share the server's event loop. */
export function autocannon(args: string[]): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/autocannon'), [...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as AutocannonResult);
      } catch {
        reject(new Error(`autocannon exited ${code}: ${err || out}`));
      }
    });
  });
}

/**
 * Seconds of load at the measured concurrency before a target's measured runs, not recorded: a
 * server's first seconds under load run code the JIT has not optimised yet and grow its heap through
 * many collections (one request's warm-up left stalls of up to half a second at the start of the
 * measured window). `BENCH_WARM_SECONDS=0` measures from cold.
 */
/**
 * Appends an event of the benches' own type, `bench.published`: the journal stores any type, and
 * no server code reads this one (its types name only the server's own events).
 */
export function appendBenchEvent(journal: Journal, topic: Parameters<Journal['append']>[0], data: Record<string, unknown>): void {
  (journal.append as (topic: string, type: string, data: unknown) => unknown)(topic, 'bench.published', data);
}

export const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 5);

/** `WARM_SECONDS` of unrecorded load on every URL at once, `concurrency` connections each. */
export async function warmLoad(urls: readonly string[], concurrency: number): Promise<void> {
  if (WARM_SECONDS <= 0) return;
  await Promise.all(urls.map((url) => postLoad({ url, concurrency, seconds: WARM_SECONDS, timeoutSeconds: 40 })));
}

/**
 * autocannon POSTing `{"n":1}` as JSON to `url`: for `seconds`, or until `requests` were sent;
 * `timeoutSeconds` per request (a `?wait` hook answers when its run ends).
 */
export function postLoad({
  url,
  concurrency,
  seconds,
  requests,
  timeoutSeconds,
}: {
  url: string;
  concurrency: number;
  seconds?: number;
  requests?: number;
  timeoutSeconds: number;
}): Promise<AutocannonResult> {
  const amount = requests !== undefined ? ['-a', String(requests)] : ['-d', String(seconds ?? 10)];
  return autocannon([
    '-c',
    String(concurrency),
    ...amount,
    '-t',
    String(timeoutSeconds),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-b',
    '{"n":1}',
    url,
  ]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
