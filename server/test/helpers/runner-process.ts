import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../runner/src/main.ts');

export type RunnerProcess = { child: ChildProcess; output(): string; exited: Promise<number | null>; kill(signal?: NodeJS.Signals): Promise<void> };

/** A real runner process, as `pnpm --filter @weft/runner start` would start it. */
export function startRunner({
  url,
  token,
  dataDir,
  capacity = 4,
  env = {},
}: {
  url: string;
  token: string;
  dataDir: string;
  capacity?: number;
  env?: Record<string, string>;
}): RunnerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER_MAIN], {
    cwd: path.dirname(path.dirname(RUNNER_MAIN)),
    env: {
      ...process.env,
      WEFT_SERVER_URL: url,
      WEFT_RUNNER_TOKEN: token,
      WEFT_DATA_DIR: dataDir,
      WEFT_RUNNER_CAPACITY: String(capacity),
      WEFT_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
