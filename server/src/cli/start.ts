import v8 from 'node:v8';
import { GC_POLICY_FLAGS } from '../paths';
import { spawnRunner } from './runner-process';

/**
 * `pnpm start`: the server in this process plus one runner child (unless WEFT_START_RUNNER=0), restarted with backoff when it dies.
 * The runner is a separate process on purpose: it talks to the server only over the runner protocol,
 * with the runner credential (never the user's token). Built (`pnpm start`, `scripts/start.mjs`), this
 * module is `server/dist/start.js` and starts `runner/dist/main.js` with plain node; from source
 * (`pnpm dev`, tests) it starts the runner's TypeScript through tsx (paths.ts).
 *
 * The runner is spawned first, before this process loads the server's modules (most of its start-up):
 * both load their code at once, and the runner waits for the server's address. The server is a
 * dynamic import so that the bundle keeps it, and the npm packages it imports, in a chunk of its own.
 */
for (const flag of GC_POLICY_FLAGS) v8.setFlagsFromString(flag);
// WEFT_START_RUNNER=0: the server alone, its runners started on their own (several servers on one
// PostgreSQL). Read here, before the config module loads, because the runner is spawned first;
// loadConfig checks the value again and names it when it is not a boolean.
if (/^(?:0|false|no)$/.test(process.env.WEFT_START_RUNNER ?? '')) {
  const { main } = await import('../server');
  await main();
} else {
  const runner = spawnRunner();
  const { serveWithRunner } = await import('./serve-with-runner');
  await serveWithRunner(runner);
}
