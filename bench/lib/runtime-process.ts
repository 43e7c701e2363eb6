import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** What a started runtime's processes are, read from /proc (Linux): the server and the runner it spawned. */
export type RuntimeProcesses = { server: number | null; runner: number | null; others: number[] };

const MB = 2 ** 20;

/** Resident set size of one process in MiB (0 once it is gone). */
export function rssMiB(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return (kb * 1024) / MB;
  } catch {
    return 0;
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const all: number[] = [];
  const walk = (pid: number) => {
    all.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return all;
}

const cmdline = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};

export type StartedProcess = {
  child: ChildProcess;
  output(): string;
  /** ms from spawn until `/api/health` answered 200 and (if asked) the runner logged its connection. */
  ready(options: { port: number; runner: boolean; timeoutMs?: number }): Promise<{ healthyMs: number; runnerMs: number | null }>;
  processes(): RuntimeProcesses;
  stop(): Promise<void>;
};

/**
 * A command in its own process group (pnpm, a shell and node under it are stopped together), with
 * its output kept. The runner says `connected to the server` once its handshake is done.
 */
export function startProcess(command: string, args: string[], { cwd, env }: { cwd: string; env: Record<string, string> }): StartedProcess {
  const startedAt = performance.now();
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let runnerAt: number | null = null;
  const collect = (chunk: Buffer) => {
    out += chunk;
    if (runnerAt === null && out.includes('connected to the server')) runnerAt = performance.now() - startedAt;
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async ready({ port, runner, timeoutMs = 60_000 }) {
      let healthyMs: number | null = null;
      while (healthyMs === null || (runner && runnerAt === null)) {
        if (performance.now() - startedAt > timeoutMs) throw new Error(`not ready after ${timeoutMs} ms:\n${out.slice(-3000)}`);
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${out.slice(-3000)}`);
        if (healthyMs === null) {
          const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
            (res) => res.ok,
            () => false,
          );
          if (ok) healthyMs = performance.now() - startedAt;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      return { healthyMs, runnerMs: runnerAt };
    },
    processes() {
      const all = child.pid ? descendants(child.pid) : [];
      const server = all.find((pid) => /^\S*node\s.*(scripts\/start\.mjs|server\/dist\/start\.js)/.test(cmdline(pid))) ?? null;
      const runner = all.find((pid) => cmdline(pid).includes('runner/dist/main.js')) ?? null;
      return { server, runner, others: all.filter((pid) => pid !== server && pid !== runner) };
    },
    async stop() {
      if (child.exitCode !== null || !child.pid) return;
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
