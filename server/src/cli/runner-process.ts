import { spawn, type ChildProcess } from 'node:child_process';
import { RUNNER_COMMAND } from '../paths';

/**
 * Starts the runner `pnpm start` keeps beside the server, with an IPC channel on which it waits for
 * where to connect (runner/src/connection/handoff.ts). Kept apart from the server's modules so that
 * the entry (start.ts) can spawn it before loading any of them.
 */
export function spawnRunner(): ChildProcess {
  return spawn(process.execPath, RUNNER_COMMAND.args, {
    cwd: RUNNER_COMMAND.cwd,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, WEFT_RUNNER_HANDOFF: 'ipc' },
  });
}
