/**
 * The settings a parent hands over on the IPC channel (`pnpm start`'s server): it starts its runner
 * before it listens, so the runner loads its code meanwhile, and sends where to connect once it
 * knows. Merged over the environment, under the same variable names.
 */
export type Handoff = { WEFT_SERVER_URL: string; WEFT_RUNNER_TOKEN: string; WEFT_DATA_DIR: string };

/** Waits for the handoff when started with `WEFT_RUNNER_HANDOFF=ipc`; exits if the parent goes first. */
export async function environmentWithHandoff(env: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  if (env.WEFT_RUNNER_HANDOFF !== 'ipc' || !process.send) return env;
  const handoff = await new Promise<Handoff>((resolve) => {
    process.once('message', (message) => resolve(message as Handoff));
    process.once('disconnect', () => process.exit(0));
  });
  return { ...env, ...handoff };
}
