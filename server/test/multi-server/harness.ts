import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { api, FAULT_RUNNER_TOKEN, FAULT_TOKEN, freePort, type ServerProcess, startServerProcess } from '../faults/harness';
import { startRunner, type RunnerProcess } from '../helpers/runner-process';
import { makeDataDir } from '../helpers/server';
import type { TestPostgres } from '../support/postgres';

/**
 * Several real server processes on one PostgreSQL database, as docker-compose.yml runs them: each
 * is `src/server.ts` alone (the entry without the runner `pnpm start` adds), with its own data dir
 * and port, the same access and runner tokens and the same WEFT_SECRET_KEY. Runner processes take a
 * comma-separated WEFT_SERVER_URL, each list starting at another server so they spread across them.
 */

/** Shared by every server of a cluster: what one server encrypts, another decrypts. */
const CLUSTER_SECRET_KEY = 'multi-server-secret-key-0123456789abcdef0123456789abcdef';

export type Cluster = {
  databaseUrl: string;
  /** One per server, by index, whether it still runs or not: a killed server's port stays reserved for the test. */
  urls: string[];
  servers: ServerProcess[];
  runners: RunnerProcess[];
  /** A directory the test may write to (traces). */
  workDir: string;
  /** The API of server `i`, with the access token. */
  api(i: number, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A statement on the cluster's database (a connection of the test's own). */
  query<T extends pg.QueryResultRow = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** SIGKILL server `i`: no close, no goodbye to its sockets. */
  kill(i: number): Promise<void>;
  /** Every server's and runner's output, for a failure message. */
  output(): string;
  stop(): Promise<void>;
};

export type ClusterOptions = {
  postgres: TestPostgres;
  servers: number;
  /** Per runner, the servers (by index) of its WEFT_SERVER_URL, in order. */
  runners: number[][];
  runnerCapacity?: number;
  env?: Record<string, string>;
};

export const RUNNER_NAMES = ['R1', 'R2', 'R3', 'R4'];

export async function startCluster({ postgres, servers: count, runners: runnerLists, runnerCapacity = 4, env = {} }: ClusterOptions): Promise<Cluster> {
  const databaseUrl = await postgres.createDatabase();
  const workDir = makeDataDir();
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const serverEnv = { WEFT_DATABASE_URL: databaseUrl, WEFT_SECRET_KEY: CLUSTER_SECRET_KEY, ...env };
  // Together, as a deployment starts them: the migrations run once, under their advisory lock.
  const started = await Promise.allSettled(ports.map((port) => startServerProcess({ dataDir: makeDataDir(), port, env: serverEnv })));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (servers.length < count) {
    await Promise.all(servers.map((s) => s.kill()));
    const reasons = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    throw new Error(`servers did not start:\n${reasons.join('\n')}`);
  }
  const runners = runnerLists.map((list, i) =>
    startRunner({
      url: list.map((s) => urls[s]!).join(','),
      token: FAULT_RUNNER_TOKEN,
      dataDir: makeDataDir(),
      capacity: runnerCapacity,
      // Steps append to the cluster's trace file (tracedStep), outside their run directories.
      env: { WEFT_RUNNER_NAME: RUNNER_NAMES[i]!, WEFT_SANDBOX_WRITE_PATHS: workDir },
    }),
  );
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return {
    databaseUrl,
    urls,
    servers,
    runners,
    workDir,
    api: (i, method, p, body) => api(urls[i]!, method, p, body),
    query: async (sql, params) => (await db.query(sql, params)).rows,
    kill: (i) => servers[i]!.kill('SIGKILL'),
    output: () =>
      [
        ...servers.map((s, i) => `--- server ${i} (${urls[i]})\n${s.output().slice(-4000)}`),
        ...runners.map((r, i) => `--- runner ${RUNNER_NAMES[i]}\n${r.output().slice(-4000)}`),
      ].join('\n'),
    async stop() {
      await Promise.all(runners.map((r) => r.kill('SIGKILL')));
      await Promise.all(servers.map((s) => s.kill('SIGKILL')));
      await db.end();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Waits until `count` runners are connected across the live servers (each server's `/api/ready` counts its own). */
export async function waitForRunners(cluster: Cluster, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let connected = 0;
    for (let i = 0; i < cluster.urls.length; i++) {
      const s = cluster.servers[i]!;
      if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
      const res = await cluster.api(i, 'GET', '/api/ready').catch(() => null);
      const checks = res?.body?.checks ?? res?.body?.error?.details?.checks;
      connected += Number(checks?.runner?.connected ?? 0);
    }
    if (connected >= count) return;
    if (cluster.runners.some((r) => r.child.exitCode !== null)) throw new Error(`a runner exited:\n${cluster.output()}`);
    if (Date.now() > deadline) throw new Error(`runners did not connect (${connected} of ${count}):\n${cluster.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every journal seq of `topic` in the database, in order. */
export async function topicSeqs(cluster: Cluster, topic: string): Promise<number[]> {
  const rows = await cluster.query<{ seq: string }>('SELECT seq FROM events WHERE topic = $1 ORDER BY seq', [topic]);
  return rows.map((r) => Number(r.seq));
}

export { FAULT_TOKEN as CLUSTER_TOKEN };
export const traceFile = (cluster: Cluster) => path.join(cluster.workDir, 'trace.log');
