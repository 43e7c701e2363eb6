import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { LIFELINE_PRELUDE } from './lifeline';
import { sandboxedCommand, type Sandbox, type SandboxView } from './sandbox';

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
 * lifeline (lifeline.ts), so the group dies with the runner.
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
  const command = sandboxedCommand(sandbox, view, shellPath(), ['-c', LIFELINE_PRELUDE + script], cwd);
  // Node types no 4-entry stdio tuple: stdout and stderr are pipes all the same.
  return spawn(command.file, command.args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] }) as ChildProcessByStdio<
    null,
    Readable,
    Readable
  >;
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
