import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * A step's processes must not outlive a runner that was killed (SIGKILL, OOM): the server gives the
 * execution to another runner after the lease, and the orphaned step would run beside its retry.
 * Node has no parent-death signal, so the shell starts a watcher that holds the read end of a pipe
 * (fd 3) whose write end only the runner holds. When the runner dies the pipe reaches EOF and the
 * watcher kills the step's whole process group; when the step ends normally the runner writes
 * `done` first and the watcher leaves quietly.
 *
 * The watcher is started from a subshell that exits at once, so it is not a child of the step's
 * shell (a `wait` in the command does not wait for it), and it holds neither stdout nor stderr.
 * The prelude shares the command's first line, so the shell's line numbers in errors stay right.
 */
export const LIFELINE_FD = 3;
export const LIFELINE_PRELUDE = `( { IFS= read -r weft_lifeline <&${LIFELINE_FD}; [ "$weft_lifeline" = done ] || kill -KILL 0; } </dev/null >/dev/null 2>&1 & ); exec ${LIFELINE_FD}<&-; `;

/** The write end of the lifeline pipe of a child spawned with `stdio[3] = 'pipe'`. */
function lifelineOf(child: ChildProcess): Writable | undefined {
  const stream = child.stdio[LIFELINE_FD];
  return stream && 'write' in stream ? (stream as Writable) : undefined;
}

/** The step ended by itself: tell the watcher to leave its process group alone. */
export function releaseLifeline(child: ChildProcess): void {
  const lifeline = lifelineOf(child);
  if (!lifeline || lifeline.destroyed) return;
  lifeline.on('error', () => {});
  lifeline.end('done\n');
}
