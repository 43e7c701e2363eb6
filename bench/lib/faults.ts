/** The fault suite's real-process pieces (server process on a fixed port, traced steps), shared with the benches. */
import fs from 'node:fs';
export {
  api,
  executionsIn,
  extraRuns,
  FAULT_RUNNER_TOKEN,
  FAULT_TOKEN,
  freePort,
  overlaps,
  readTrace,
  startServerProcess,
  tracedStep,
  type ServerProcess,
  type Trace,
} from '../../server/test/faults/harness';
export { startRunner, type RunnerProcess } from '../../server/test/helpers/runner-process';

/** Resident set of a process in MiB, from /proc (Linux), or null once it is gone. */
export function rssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
