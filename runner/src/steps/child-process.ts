import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** After a shell exits, how long to wait for its pipes to close (a background child may hold them). */
export const PIPE_DRAIN_MS = 1000;

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
