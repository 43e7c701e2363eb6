import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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

/** The texts of a bundle file and of every chunk it imports statically (what loading it evaluates). */
function staticImportClosure(dir: string, file: string, seen = new Map<string, string>()): string[] {
  if (seen.has(file)) return [...seen.values()];
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  seen.set(file, text);
  // Static imports only: `import{a}from"./chunk-X.js"` or `import"./chunk-X.js"`, never `import("./chunk-X.js")`.
  for (const [, chunk] of text.matchAll(/(?:from|import)\s*"\.\/(chunk-\w+\.js)"/g)) staticImportClosure(dir, chunk!, seen);
  return [...seen.values()];
}

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

describe('built runtime', () => {
  const dataDir = makeDataDir();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('builds the server and the runner, then builds nothing when nothing changed', () => {
    const first = build('--force', 'server', 'runner');
    expect(first).toMatch(/^weft build: server built in \d+ ms \(forced\)$/m);
    expect(first).toMatch(/^weft build: runner built in \d+ ms \(forced\)$/m);
    const second = build('server', 'runner');
    expect(second.trim().split('\n')).toEqual(['weft build: server is up to date', 'weft build: runner is up to date']);
    // The bundles are what runs: the repository's own TypeScript inside (its source maps name it), npm packages outside.
    const dist = path.join(ROOT, 'server/dist');
    const files = fs.readdirSync(dist);
    const bundle = files.filter((file) => file.endsWith('.js')).map((file) => fs.readFileSync(path.join(dist, file), 'utf8'));
    const sources = files
      .filter((file) => file.endsWith('.js.map'))
      .flatMap((file) => (JSON.parse(fs.readFileSync(path.join(dist, file), 'utf8')) as { sources: string[] }).sources);
    expect(sources).toEqual(expect.arrayContaining(['../src/cli/start.ts', '../src/server.ts', '../../shared/src/errors.ts']));
    expect(sources.filter((source) => source.includes('node_modules/')).every((source) => source.includes('/jsep'))).toBe(true);
    expect(bundle.some((text) => /import\s*[\w{}, ]+?\s*from\s*"fastify";/.test(text))).toBe(true);
    expect(bundle.every((text) => !/from\s*"tsx/.test(text))).toBe(true);
    // The entry loads nothing but the runner's spawn before the server's chunk, and OpenTelemetry
    // (traces off by default) is imported only by a chunk the server loads when traces are configured.
    expect(fs.readFileSync(path.join(dist, 'start.js'), 'utf8')).not.toMatch(/from\s*"(fastify|zod|better-sqlite3)"/);
    const eager = staticImportClosure(dist, 'start.js');
    expect(eager.some((text) => /from\s*"fastify"/.test(text))).toBe(false);
    const serverChunk = /import\("\.\/(chunk-\w+\.js)"\)/.exec(fs.readFileSync(path.join(dist, 'start.js'), 'utf8'))?.[1];
    expect(serverChunk).toBeDefined();
    const serverEager = staticImportClosure(dist, serverChunk!);
    expect(serverEager.some((text) => /from\s*"fastify"/.test(text))).toBe(true);
    expect(serverEager.some((text) => /@opentelemetry\//.test(text))).toBe(false);
    const runnerEager = staticImportClosure(path.join(ROOT, 'runner/dist'), 'main.js');
    expect(runnerEager.some((text) => /from\s*"ws"/.test(text))).toBe(true);
    expect(runnerEager.some((text) => /@opentelemetry\//.test(text))).toBe(false);
  });

  it('runs with plain node and answers /api/health with the built runner connected', async () => {
    const started = startBuilt(dataDir, { WEFT_LOG_LEVEL: 'info' });
    const { child, exited } = started;
    try {
      const url = await waitFor(
        'the sign-in URL',
        () => /(http:\/\/127\.0\.0\.1:\d+)\/login/.exec(started.out)?.[1],
        () => started.out,
      );
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

  it('WEFT_START_RUNNER=0 runs the server alone (its runners are started on their own)', async () => {
    const started = startBuilt(dataDir, { WEFT_LOG_LEVEL: 'warn', WEFT_START_RUNNER: '0' });
    const { child, exited } = started;
    try {
      const url = await waitFor(
        'the sign-in URL',
        () => /(http:\/\/127\.0\.0\.1:\d+)\/login/.exec(started.out)?.[1],
        () => started.out,
      );
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
