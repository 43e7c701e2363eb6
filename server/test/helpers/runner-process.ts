import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTsx, type TsxProcess } from './tsx-process';

const RUNNER_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../runner/src/main.ts');

export type RunnerProcess = TsxProcess;

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
  return spawnTsx(RUNNER_MAIN, {
    cwd: path.dirname(path.dirname(RUNNER_MAIN)),
    env: {
      WEFT_SERVER_URL: url,
      WEFT_RUNNER_TOKEN: token,
      WEFT_DATA_DIR: dataDir,
      WEFT_RUNNER_CAPACITY: String(capacity),
      WEFT_LOG_LEVEL: 'warn',
      ...env,
    },
  });
}
