import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config';
import { buildServer } from '../../src/server';
import BetterSqlite3 from 'better-sqlite3';
import type { Clock } from '../../src/clock';
import { DATABASE_FILE, type Db } from '../../src/db/open';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { startTestPostgres, type TestPostgres } from '../support/postgres';

export type TestServer = {
  app: FastifyInstance;
  url: string;
  port: number;
  token: string;
  /** The credential runners present on /ws/runner (and the tool-call endpoint). */
  runnerToken: string;
  dataDir: string;
  /** fetch against the server with the token unless `token: null`. */
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; token?: string | null; raw?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
};

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'weft-test-'));
}

/**
 * With WEFT_TEST_STORE=postgres (the `server-postgres` project), test servers run on PostgreSQL: a
 * fresh database per data dir, so a server restarted on the same data dir finds its data again.
 */
const postgresByDataDir = new Map<string, string>();
let testPostgres: Promise<TestPostgres> | null = null;

async function postgresFor(dataDir: string): Promise<string> {
  let url = postgresByDataDir.get(dataDir);
  if (!url) {
    testPostgres ??= startTestPostgres();
    url = await (await testPostgres).createDatabase();
    postgresByDataDir.set(dataDir, url);
  }
  return url;
}

/**
 * A second connection to the database of a test server's data dir (the server stopped or not), on
 * the store it runs on: what a test writes through it, the server finds at its next start.
 */
export function openTestDatabase(dataDir: string): Db {
  if (testStore() === 'sqlite') return new BetterSqlite3(path.join(dataDir, DATABASE_FILE));
  const url = postgresByDataDir.get(dataDir);
  if (!url) throw new Error(`openTestDatabase: no test server ran on ${dataDir}`);
  return new PgDatabase(url);
}

/**
 * Drops this test file's databases (with WEFT_TEST_DATABASE_URL they would stay on that server; a
 * throwaway cluster goes with the run anyway). Called after each file: test/setup/postgres-databases.ts.
 */
export async function dropTestDatabases(): Promise<void> {
  const started = testPostgres;
  testPostgres = null;
  postgresByDataDir.clear();
  if (started) await (await started).stop();
}

/** The store test servers run on: `postgres` in the `server-postgres` project. */
export const testStore = (): 'sqlite' | 'postgres' => (process.env.WEFT_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite');

/** A real server on a free loopback port over a real SQLite file in a temp data dir (or PostgreSQL, see above). */
export async function startServer({
  env = {},
  dataDir = makeDataDir(),
  clock,
  config: overrides = {},
  port: fixedPort = 0,
}: {
  env?: Record<string, string>;
  dataDir?: string;
  clock?: Clock;
  config?: Partial<Config>;
  port?: number;
} = {}): Promise<TestServer> {
  if (testStore() === 'postgres' && env.WEFT_DATABASE_URL === undefined) env = { ...env, WEFT_DATABASE_URL: await postgresFor(dataDir) };
  const config = loadConfig({ PORT: '0', WEFT_LOG_LEVEL: 'silent', WEFT_DATA_DIR: dataDir, ...env }, overrides);
  // Retention deletes what a test's fake clock makes old: it runs only where a test asks for it
  // (config.retention, or WEFT_RETENTION_INTERVAL_MS), not 5 s into every test.
  if (overrides.retention === undefined && env.WEFT_RETENTION_INTERVAL_MS === undefined) {
    config.retention = { ...config.retention, startDelayMs: 86_400_000, intervalMs: 86_400_000 };
  }
  const app = await buildServer(clock ? { config, clock } : { config });
  await app.listen({ host: '127.0.0.1', port: fixedPort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const token = app.auth.token;
  let closed = false;
  return {
    app,
    url,
    port,
    token,
    runnerToken: app.auth.runnerToken,
    dataDir,
    async request(method, p, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token !== null) headers.authorization ??= `Bearer ${opts.token ?? token}`;
      let body: string | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      // A pooled keep-alive socket to a server that restarted on this port fails once: retry then.
      const send = () => fetch(url + p, { method, headers, body, redirect: 'manual' });
      const res = await send().catch((err: { cause?: { code?: string } }) => {
        if (err.cause?.code === 'UND_ERR_SOCKET' || err.cause?.code === 'ECONNRESET') return send();
        throw err;
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep text */
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

export const minimalDefinition = (name = 'Hello') => ({
  name,
  steps: [{ id: 'say', type: 'bash', command: 'echo hello' }],
});
