import { spawn, type ChildProcess } from 'node:child_process';

export type TsxProcess = { child: ChildProcess; output(): string; exited: Promise<number | null>; kill(signal?: NodeJS.Signals): Promise<void> };

/**
 * A TypeScript entry point in its own Node process (through tsx, as `pnpm start` runs it), with
 * stdout and stderr collected for the failure message of whoever waits on it.
 */
export function spawnTsx(script: string, { cwd, env }: { cwd: string; env: Record<string, string> }): TsxProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
