import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { spawnTsx } from '../helpers/tsx-process';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FAULT_TOKEN = 'fault-suite-token-0123456789abcdef';
/** The runners' own credential: the access token is refused on /ws/runner. */
export const FAULT_RUNNER_TOKEN = 'fault-suite-runner-token-0123456789';

/**
 * A bash step that leaves its trace in a side-effect file shared by every runner: `start`, a
 * `tick` every 100 ms while it runs, and `end` when it completes, each line with the execution,
 * the step, the runner (its WEFT_RUNNER_NAME, which steps see) and the time in ns. A step killed
 * mid-way leaves no `end`; its last tick bounds when it stopped.
 */
export function tracedStep(id: string, file: string, { ticks = 4 }: { ticks?: number } = {}) {
  const line = (what: string) => `echo "${what} $WEFT_EXECUTION_ID ${id} $WEFT_RUNNER_NAME $(date +%s%N)" >> "${file}"`;
  return { id, type: 'bash', command: `${line('start')}; for i in $(seq ${ticks}); do sleep 0.1; ${line('tick')}; done; ${line('end')}` };
}

export type Trace = { what: 'start' | 'tick' | 'end'; executionId: string; stepId: string; runner: string; ns: bigint };

export function readTrace(file: string): Trace[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [what, executionId, stepId, runner, ns] = l.split(' ');
      return { what: what as Trace['what'], executionId: executionId!, stepId: stepId!, runner: runner!, ns: BigInt(ns!) };
    });
}

/** Completions per (execution, step): more than one is a completed step run twice. */
export function completions(trace: Trace[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const t of trace) if (t.what === 'end') n.set(`${t.executionId}/${t.stepId}`, (n.get(`${t.executionId}/${t.stepId}`) ?? 0) + 1);
  return n;
}

/** Step runs (a `start`) beyond one per (execution, step). */
export function extraRuns(trace: Trace[]): number {
  const starts = new Map<string, number>();
  for (const t of trace) if (t.what === 'start') starts.set(`${t.executionId}/${t.stepId}`, (starts.get(`${t.executionId}/${t.stepId}`) ?? 0) + 1);
  let extra = 0;
  for (const n of starts.values()) extra += n - 1;
  return extra;
}

/**
 * Pairs of runs of one execution by two runners whose lifetimes overlap. A run spans its `start`
 * to its `end`, or to its last `tick` when it was killed.
 */
export function overlaps(trace: Trace[]): string[] {
  type Run = { runner: string; from: bigint; to: bigint; label: string };
  const runs = new Map<string, Run>();
  for (const t of trace) {
    const key = `${t.executionId}/${t.stepId}/${t.runner}/${t.what === 'start' ? t.ns : ''}`;
    if (t.what === 'start') {
      runs.set(key, { runner: t.runner, from: t.ns, to: t.ns, label: `${t.executionId}/${t.stepId}@${t.runner}` });
      continue;
    }
    // The open run of this step on this runner: the latest start before this line.
    let open: Run | undefined;
    for (const r of runs.values()) if (r.label === `${t.executionId}/${t.stepId}@${t.runner}` && r.from <= t.ns && (!open || r.from > open.from)) open = r;
    if (open && t.ns > open.to) open.to = t.ns;
  }
  const byExecution = new Map<string, Run[]>();
  for (const r of runs.values()) {
    const id = r.label.split('/')[0]!;
    byExecution.set(id, [...(byExecution.get(id) ?? []), r]);
  }
  const found: string[] = [];
  for (const list of byExecution.values()) {
    for (const a of list) for (const b of list) if (a.runner < b.runner && a.from <= b.to && b.from <= a.to) found.push(`${a.label} overlaps ${b.label}`);
  }
  return found;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export type ServerProcess = {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
};

/** The real server process on a fixed port over `dataDir`; resolves once it listens. */
export async function startServerProcess({ dataDir, port, env = {} }: { dataDir: string; port: number; env?: Record<string, string> }): Promise<ServerProcess> {
  const { child, output, exited, kill } = spawnTsx('src/server.ts', {
    cwd: SERVER_DIR,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      WEFT_DATA_DIR: dataDir,
      WEFT_TOKEN: FAULT_TOKEN,
      WEFT_RUNNER_TOKEN: FAULT_RUNNER_TOKEN,
      WEFT_LOG_LEVEL: 'warn',
      ...env,
    },
  });
  const started = Date.now();
  while (!output().includes('Weft is running')) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${output()}`);
    if (Date.now() - started > 60_000) throw new Error(`server did not start: ${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    exited,
    kill: (signal = 'SIGKILL') => kill(signal),
  };
}

/** fetch with the fault suite's token; JSON in and out. */
export async function api(url: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + p, {
    method,
    headers: { authorization: `Bearer ${FAULT_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Executions in a data dir's database by status, and their ids, read-only (the server may be running). */
export function executionsIn(dataDir: string): { byStatus: Record<string, number>; ids: Set<string> } {
  const db = new BetterSqlite3(path.join(dataDir, 'weft.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, status FROM executions').all() as { id: string; status: string }[];
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    return { byStatus, ids: new Set(rows.map((r) => r.id)) };
  } finally {
    db.close();
  }
}
