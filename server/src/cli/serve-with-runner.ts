import type { ChildProcess } from 'node:child_process';
import { backoffCeiling } from '@weft/shared';
import type { FastifyInstance } from 'fastify';
import { displayOrigin } from '../auth/sign-in-links';
import { main } from '../server';
import { spawnRunner } from './runner-process';

/** Restarts since the runner last stayed up a minute; one child, so the delay is the ceiling, unjittered. */
const RESTART_BACKOFF = { baseMs: 1000, maxMs: 30_000 };

/**
 * Runs the server, keeping `first` (the runner start.ts spawned) and its successors alive: a runner
 * that exits is started again with backoff, and every runner is sent where to connect (its
 * environment variables' names, runner/src/connection/handoff.ts) once the server listens.
 */
export async function serveWithRunner(first: ChildProcess): Promise<FastifyInstance> {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let handoff: { WEFT_SERVER_URL: string; WEFT_RUNNER_TOKEN: string; WEFT_DATA_DIR: string } | undefined;
  let server: FastifyInstance | undefined;

  const adopt = (started: ChildProcess, startedAt: number) => {
    child = started;
    if (handoff) started.send(handoff);
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      child = undefined;
      if (stopping) return;
      // A runner that stayed up a minute earned a fresh backoff.
      if (Date.now() - startedAt > 60_000) restarts = 0;
      const restartInMs = backoffCeiling({ attempt: restarts++, ...RESTART_BACKOFF });
      server?.log.warn({ code, signal, restartInMs }, 'runner exited; restarting');
      setTimeout(() => adopt(spawnRunner(), Date.now()), restartInMs).unref();
    };
    // The first runner may have died while this module loaded: its exit event is gone by now.
    if (started.exitCode !== null || started.signalCode !== null) exited(started.exitCode, started.signalCode);
    else started.once('exit', exited);
  };
  adopt(first, Date.now());

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
  return server;
}
