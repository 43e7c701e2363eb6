import { spawn, type ChildProcess } from 'node:child_process';
import { backoffCeiling } from '@weft/shared';
import type { FastifyInstance } from 'fastify';
import { RUNNER_COMMAND } from '../paths';
import { displayOrigin } from '../auth/sign-in-links';
import { main } from '../server';

/**
 * `pnpm start`: the server in this process plus one runner child, restarted with backoff when it dies.
 * The runner is a separate process on purpose: it talks to the server only over the runner protocol,
 * with the runner credential (never the user's token). Built (`pnpm start`, `scripts/start.mjs`), this
 * module is `server/dist/start.js` and starts `runner/dist/main.js` with plain node; from source
 * (`pnpm dev`, tests) it starts the runner's TypeScript through tsx (paths.ts).
 */
let child: ChildProcess | undefined;
let stopping = false;
/** Restarts since the runner last stayed up a minute; one child, so the delay is the ceiling, unjittered. */
let restarts = 0;
const RESTART_BACKOFF = { baseMs: 1000, maxMs: 30_000 };

/**
 * Where the runner connects, under its environment variables' names (runner/src/connection/handoff.ts),
 * sent on the IPC channel once the server listens.
 */
let handoff: { WEFT_SERVER_URL: string; WEFT_RUNNER_TOKEN: string; WEFT_DATA_DIR: string } | undefined;
let server: FastifyInstance | undefined;

function startRunner() {
  const startedAt = Date.now();
  const started = spawn(process.execPath, RUNNER_COMMAND.args, {
    cwd: RUNNER_COMMAND.cwd,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, WEFT_RUNNER_HANDOFF: 'ipc' },
  });
  child = started;
  if (handoff) started.send(handoff);
  started.on('exit', (code, signal) => {
    child = undefined;
    if (stopping) return;
    // A runner that stayed up a minute earned a fresh backoff.
    if (Date.now() - startedAt > 60_000) restarts = 0;
    const restartInMs = backoffCeiling({ attempt: restarts++, ...RESTART_BACKOFF });
    server?.log.warn({ code, signal, restartInMs }, 'runner exited; restarting');
    setTimeout(startRunner, restartInMs).unref();
  });
}

// Before the server: the runner loads its code while the server opens its database (about a third
// of start-up), and waits for the handoff. If the server cannot start, the channel closes and the runner exits.
startRunner();

server = await main({
  beforeListen: (fastify) =>
    fastify.addHook('onClose', async () => {
      stopping = true;
      const running = child;
      if (running && running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (running.exitCode === null) running.kill('SIGKILL');
      }
    }),
});
const address = server.server.address();
const port = typeof address === 'object' && address ? address.port : server.config.port;
handoff = {
  WEFT_SERVER_URL: displayOrigin({ host: server.config.host, port }),
  WEFT_RUNNER_TOKEN: server.auth.runnerToken,
  WEFT_DATA_DIR: server.config.dataDir,
};
if (child?.connected) child.send(handoff);
