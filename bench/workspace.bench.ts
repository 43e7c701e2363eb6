/**
 * Workspaces (issue 20): what an agent's file work costs the runner, on a generated repository of
 * 1,000 and 5,000 TypeScript files (~1.6 KB each), cloned from a local path as a git workspace:
 *   - clone: `acquire` of a fresh git workspace (init, fetch, checkout);
 *   - snapshot: `changes()` after one edited file, taken after every mutating tool call (throw-away
 *     index, `add -A`, two diffs): median of 7;
 *   - grep: `workspace:grep` for a pattern matching one line per file (capped at 100 matches) and one
 *     matching none (every file read): median of 5;
 *   - confine: resolving one path argument (`confinePath`), per call, over 20,000 calls.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../runner/src/log';
import { DEFAULT_ADDRESS_POLICY } from '../runner/src/net/address-policy';
import { confinePath } from '../runner/src/workspace/confine';
import { createWorkspaceManager } from '../runner/src/workspace/manager';
import { createWorkspaceTools } from '../runner/src/workspace/tools/index';

export const title = 'Workspaces: clone, snapshot after a change, grep, path confinement';

const SIZES = [1000, 5000];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const r1 = (x: number) => Math.round(x * 10) / 10;
const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b',
};

type Row = { files: number; cloneMs: number; snapshotMs: number; grepHitMs: number; grepMissMs: number };

async function measure(files: number, base: string): Promise<Row> {
  const repo = path.join(base, `repo-${files}`);
  fs.mkdirSync(repo);
  for (let i = 0; i < files; i++) {
    const file = path.join(repo, `src/m${i % 100}/f${i}.ts`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `export function f${i}(x: number) {\n  return x + ${i};\n}\n${'// filler line of a module\n'.repeat(55)}`);
  }
  execFileSync('git', ['init', '-q'], { cwd: repo, env });
  execFileSync('git', ['add', '-A'], { cwd: repo, env });
  execFileSync('git', ['commit', '-q', '-m', 'x'], { cwd: repo, env });
  const manager = createWorkspaceManager({ sharedRoot: path.join(base, 'shared'), roots: [base], addressPolicy: DEFAULT_ADDRESS_POLICY, logger: silentLogger });
  let t = performance.now();
  const ws = await manager.acquire({
    executionId: `e${files}`,
    workflowId: 'w',
    stepId: 's',
    iterationPath: '',
    workDir: path.join(base, `run-${files}`),
    spec: { kind: 'git', url: repo },
    signal: new AbortController().signal,
    log: () => {},
  });
  const cloneMs = performance.now() - t;
  fs.appendFileSync(path.join(ws.root, 'src/m1/f1.ts'), '// changed\n');
  const snaps: number[] = [];
  for (let k = 0; k < 7; k++) {
    t = performance.now();
    await ws.changes();
    snaps.push(performance.now() - t);
  }
  const tools = createWorkspaceTools({ workspace: ws, environment: { PATH: process.env.PATH ?? '' }, allowBash: false });
  const grep = async (pattern: string) => {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      t = performance.now();
      await tools.call('workspace:grep', { pattern }, { signal: new AbortController().signal, log: () => {} });
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const row = {
    files,
    cloneMs: r1(cloneMs),
    snapshotMs: r1(median(snaps)),
    grepHitMs: r1(await grep('return x \\+ \\d+;')),
    grepMissMs: r1(await grep('no such text anywhere')),
  };
  ws.release();
  await manager.releaseExecution(`e${files}`);
  return row;
}

export async function run(): Promise<Record<string, unknown>> {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-ws-')));
  try {
    const rows: Row[] = [];
    for (const files of SIZES) rows.push(await measure(files, base));
    const root = path.join(base, `run-confine`);
    fs.mkdirSync(path.join(root, 'src/a/b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src/a/b/c.ts'), '');
    const calls = 20_000;
    const t = performance.now();
    for (let i = 0; i < calls; i++) await confinePath({ root, input: i % 2 ? 'src/a/b/c.ts' : 'src/a/new/file.ts', write: i % 2 === 0 });
    return { rows, confineUsPerCall: r1(((performance.now() - t) * 1000) / calls) };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

export function markdown(result: Record<string, unknown>): string {
  const rows = result.rows as Row[];
  const lines = [
    '| files | clone | snapshot after one edit (median of 7) | grep, 100 matches | grep, no match (all files read) |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.files} | ${r.cloneMs} ms | ${r.snapshotMs} ms | ${r.grepHitMs} ms | ${r.grepMissMs} ms |`),
  ];
  return `${lines.join('\n')}\n\nPath confinement: ${String(result.confineUsPerCall)} µs per call (20,000 calls, half reads of an existing file, half writes of a new one).`;
}
