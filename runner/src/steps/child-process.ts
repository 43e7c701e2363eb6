import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { LIFELINE_PRELUDE } from './lifeline';
import { SANDBOX_ENV_FD, sandboxedCommand, type Sandbox, type SandboxView } from './sandbox';

/** After a shell exits, how long to wait for its pipes to close (a background child may hold them). */
export const PIPE_DRAIN_MS = 1000;

let shell: string | undefined;

/** bash where there is one, else /bin/sh. */
export function shellPath(): string {
  shell ??= ['/bin/bash', '/usr/bin/bash', '/usr/local/bin/bash'].find((candidate) => fs.existsSync(candidate)) ?? '/bin/sh';
  return shell;
}

/**
 * A step's command (bash steps, `workspace:bash`) as `bash -c` in `cwd`, in `sandbox` with `view`.
 * It leads its own process group (`detached`), which `killProcessGroup` kills whole; fd 3 is the
 * lifeline (lifeline.ts), so the group dies with the runner. In a sandbox `env` is the sandboxed
 * shell's only: bwrap itself starts with none (sandbox.ts), and reads it from fd 4.
 */
export function spawnStepShell({
  script,
  cwd,
  env,
  sandbox,
  view,
}: {
  script: string;
  cwd: string;
  env: Record<string, string>;
  sandbox: Sandbox;
  view: SandboxView;
}): ChildProcessByStdio<null, Readable, Readable> {
  const command = sandboxedCommand(sandbox, view, shellPath(), ['-c', LIFELINE_PRELUDE + script], cwd, env);
  // bwrap closes the environment's descriptor once read: the step's shell never holds it.
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', 'pipe'];
  if (command.fdArgs !== null) stdio[SANDBOX_ENV_FD] = 'pipe';
  const child = spawn(command.file, command.args, { cwd, env: command.env, detached: true, stdio });
  const envArgs = child.stdio[SANDBOX_ENV_FD] as Writable | null | undefined;
  if (command.fdArgs !== null && envArgs) {
    // A bwrap that failed closes it unread: its exit is what is reported.
    envArgs.on('error', () => {});
    envArgs.end(command.fdArgs);
  }
  // Node types no 4-entry stdio tuple: stdout and stderr are pipes all the same.
  return child as ChildProcessByStdio<null, Readable, Readable>;
}

/** Kills a child spawned `detached` and everything it started (its process group). */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Calls `finish` once both output pipes have closed, so no output is lost, or after `graceMs` when a
 * background process keeps them open (they are destroyed then).
 */
export function afterPipesClose(child: { stdout: Readable; stderr: Readable }, finish: () => void, graceMs = PIPE_DRAIN_MS): void {
  let open = 2;
  const timer = setTimeout(() => {
    child.stdout.destroy();
    child.stderr.destroy();
    finish();
  }, graceMs);
  const closed = () => {
    if (--open > 0) return;
    clearTimeout(timer);
    finish();
  };
  for (const pipe of [child.stdout, child.stderr]) {
    if (pipe.closed) closed();
    else pipe.once('close', closed);
  }
}
