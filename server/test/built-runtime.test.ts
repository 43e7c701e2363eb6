import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn } from './helpers/fake-anthropic';
import { makeDataDir } from './helpers/server';

/**
 * The compiled runtime as `pnpm start` runs it: scripts/build.mjs bundles the server and the runner
 * (the client is built by the test command already, and is slow to build again), builds nothing
 * the second time, and the bundle runs with plain node, with no TypeScript loader, and starts the
 * runner's bundle.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const build = (...args: string[]) => execFileSync(process.execPath, ['scripts/build.mjs', ...args], { cwd: ROOT, encoding: 'utf8' });
const cmdline = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const childrenOf = (pid: number) =>
  fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((candidate) => {
      try {
        const stat = fs.readFileSync(`/proc/${candidate}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });

/** A bundle file and every chunk it imports statically (what loading it evaluates). */
function staticImportClosure(dir: string, file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [...seen];
  seen.add(file);
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  // Static imports only: `import{a}from"./chunk-X.js"` or `import"./chunk-X.js"`, never `import("./chunk-X.js")`.
  for (const [, chunk] of text.matchAll(/(?:from|import)\s*"\.\/(chunk-\w+\.js)"/g)) staticImportClosure(dir, chunk!, seen);
  return [...seen];
}

/** The files a bundle file was built from, as its source map names them. */
const sourcesOf = (dir: string, file: string): string[] =>
  (JSON.parse(fs.readFileSync(path.join(dir, `${file}.map`), 'utf8')) as { sources: string[] }).sources;

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, output: () => string, timeoutMs = 25_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `server/dist/start.js` under plain node (no loader) on `dataDir`; `out` collects both streams. */
function startBuilt(dataDir: string, extraEnv: Record<string, string>) {
  const { NODE_OPTIONS: _loaderOptions, ...env } = process.env;
  const child = spawn(process.execPath, ['server/dist/start.js'], {
    cwd: ROOT,
    env: { ...env, PORT: '0', HOST: '127.0.0.1', WEFT_DATA_DIR: dataDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = { child, out: '', exited: new Promise<number | null>((resolve) => child.on('exit', resolve)) };
  child.stdout.on('data', (c) => (started.out += c));
  child.stderr.on('data', (c) => (started.out += c));
  return started;
}

/** The server's URL, once it printed its sign-in link. */
const listening = (started: ReturnType<typeof startBuilt>) =>
  waitFor(
    'the sign-in URL',
    () => /(http:\/\/127\.0\.0\.1:\d+)\/login/.exec(started.out)?.[1],
    () => started.out,
  );

describe('built runtime', () => {
  const dataDir = makeDataDir();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('builds the server and the runner, then builds nothing when nothing changed', () => {
    const first = build('--force', 'server', 'runner');
    expect(first).toMatch(/^weft build: server built in \d+ ms \(forced\)$/m);
    expect(first).toMatch(/^weft build: runner built in \d+ ms \(forced\)$/m);
    const second = build('server', 'runner');
    expect(second.trim().split('\n')).toEqual(['weft build: server is up to date', 'weft build: runner is up to date']);
    // The bundles are what runs: the repository's TypeScript and the npm packages it imports inside
    // (their source maps name them), only native addons, pg and tsx outside.
    const dist = path.join(ROOT, 'server/dist');
    const files = fs.readdirSync(dist);
    const bundle = files.filter((file) => file.endsWith('.js')).map((file) => fs.readFileSync(path.join(dist, file), 'utf8'));
    const sources = files.filter((file) => file.endsWith('.js.map')).flatMap((file) => sourcesOf(dist, file.slice(0, -'.map'.length)));
    expect(sources).toEqual(expect.arrayContaining(['../src/cli/start.ts', '../src/server.ts', '../../shared/src/errors.ts']));
    for (const pkg of ['fastify', 'zod', 'ws', 'ajv', 'croner'])
      expect(
        sources.some((source) => source.includes(`/node_modules/${pkg}/`)),
        pkg,
      ).toBe(true);
    expect(bundle.some((text) => /from\s*"better-sqlite3"/.test(text))).toBe(true);
    expect(bundle.every((text) => !/from\s*"(fastify|zod|ws)"/.test(text))).toBe(true);
    expect(bundle.every((text) => !/from\s*"tsx/.test(text))).toBe(true);
    expect(sources.some((source) => source.includes('/node_modules/pg/'))).toBe(false);
    // The entry loads nothing but the runner's spawn before the server's chunk, and OpenTelemetry's
    // SDK and exporter (traces off by default) are in chunks loaded only when traces are configured
    // (its small API package comes with prom-client, which requires it).
    const eagerSources = (dir: string, entry: string) => staticImportClosure(dir, entry).flatMap((file) => sourcesOf(dir, file));
    expect(eagerSources(dist, 'start.js').some((source) => /node_modules\/(fastify|zod|better-sqlite3)\//.test(source))).toBe(false);
    const serverChunk = /import\("\.\/(chunk-\w+\.js)"\)/.exec(fs.readFileSync(path.join(dist, 'start.js'), 'utf8'))?.[1];
    expect(serverChunk).toBeDefined();
    const serverEager = eagerSources(dist, serverChunk!);
    expect(serverEager.some((source) => source.includes('/node_modules/fastify/'))).toBe(true);
    const otelSdk = /node_modules\/@opentelemetry\/(sdk-|exporter-|resources\/)/;
    expect(serverEager.some((source) => otelSdk.test(source))).toBe(false);
    expect(sources.some((source) => source.includes('/node_modules/@opentelemetry/sdk-trace-base/'))).toBe(true);
    const runnerDist = path.join(ROOT, 'runner/dist');
    const runnerEager = eagerSources(runnerDist, 'main.js');
    expect(runnerEager.some((source) => source.includes('/node_modules/ws/'))).toBe(true);
    expect(runnerEager.some((source) => otelSdk.test(source))).toBe(false);
    // What the code loads with `await import()` is loaded from node_modules on first use, where node
    // gives a CommonJS package its named exports (a bundled chunk would give it only a default).
    const runnerBundle = fs
      .readdirSync(runnerDist)
      .filter((file) => file.endsWith('.js'))
      .map((file) => fs.readFileSync(path.join(runnerDist, file), 'utf8'));
    for (const pkg of ['undici', 'ajv'])
      expect(
        runnerBundle.some((text) => text.includes(`import("${pkg}")`)),
        pkg,
      ).toBe(true);
    expect(sources.some((source) => source.includes('/node_modules/undici/'))).toBe(false);
  });

  it('runs with plain node and answers /api/health with the built runner connected', async () => {
    const started = startBuilt(dataDir, { WEFT_LOG_LEVEL: 'info' });
    const { child, exited } = started;
    try {
      const url = await listening(started);
      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true });
      await waitFor(
        'the runner',
        () => started.out.includes('connected to the server'),
        () => started.out,
      );

      // No TypeScript loader anywhere: neither process was started with one.
      expect(cmdline(child.pid!)).toEqual([process.execPath, 'server/dist/start.js']);
      const [runnerPid] = childrenOf(child.pid!);
      const runner = cmdline(runnerPid!);
      expect(runner.at(-1)).toBe(path.join(ROOT, 'runner/dist/main.js'));
      expect(runner.join(' ')).not.toContain('tsx');

      // A runner that dies is started again and handed the server's address at once.
      process.kill(runnerPid!, 'SIGKILL');
      await waitFor(
        'the restarted runner',
        () => started.out.split('connected to the server').length > 2,
        () => started.out,
      );
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('runs a workflow on the bundles alone: a bash step, an http step and an agent step through the real SDK', async () => {
    const TOKEN = 'built-runtime-token-0123456789abcdef';
    const fake = await startFakeAnthropic([{ kind: 'stream', events: textTurn('Two issues are open.', { chunks: 5 }) }]);
    const target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"open":2}'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const started = startBuilt(dataDir, {
      WEFT_LOG_LEVEL: 'info',
      WEFT_TOKEN: TOKEN,
      WEFT_HTTP_ALLOW: '127.0.0.1',
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
    });
    const { child, exited } = started;
    try {
      const url = await listening(started);
      await waitFor(
        'the runner',
        () => started.out.includes('connected to the server'),
        () => started.out,
      );
      const api = async (method: string, route: string, body?: unknown) => {
        const res = await fetch(`${url}${route}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const workflow = await api('POST', '/api/workflows', {
        definition: {
          name: 'Bundled steps',
          steps: [
            { id: 'hello', type: 'bash', command: 'echo hello from the bundle' },
            { id: 'fetch', type: 'http', method: 'GET', url: `${targetUrl}/issues` },
            { id: 'think', type: 'agent_prompt', prompt: 'Summarise {{ steps.fetch.output.body.open }} issues' },
          ],
        },
      });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      const run = await api('POST', `/api/workflows/${workflow.body.id}/run`, {});
      expect(run.status, JSON.stringify(run.body)).toBe(202);
      const done = await waitFor(
        'the run to finish',
        async () => {
          const ex = await api('GET', `/api/executions/${run.body.executionId}`);
          return ['succeeded', 'failed', 'canceled'].includes(ex.body.status) ? ex.body : undefined;
        },
        () => started.out,
      );
      const output = (stepId: string) => done.steps.find((step: { stepId: string }) => step.stepId === stepId)?.output;
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
      expect(output('hello')).toMatchObject({ stdout: 'hello from the bundle\n', exitCode: 0 });
      expect(output('fetch')).toMatchObject({ status: 200, body: { open: 2 } });
      expect(output('think')).toMatchObject({ text: 'Two issues are open.', provider: 'anthropic' });
      expect(fake.requests[0]!.body.messages[0].content).toBe('Summarise 2 issues');
    } finally {
      child.kill('SIGTERM');
      await exited;
      await fake.close();
      target.close();
    }
  });

  it('WEFT_START_RUNNER=0 runs the server alone (its runners are started on their own)', async () => {
    const started = startBuilt(dataDir, { WEFT_LOG_LEVEL: 'warn', WEFT_START_RUNNER: '0' });
    const { child, exited } = started;
    try {
      const url = await listening(started);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      expect(childrenOf(child.pid!)).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('a WEFT_START_RUNNER that is not a boolean stops the start, naming the variable', async () => {
    const started = startBuilt(dataDir, { WEFT_START_RUNNER: 'off' });
    expect(await started.exited).toBe(2);
    expect(started.out).toContain('WEFT_START_RUNNER="off"');
  });
});
