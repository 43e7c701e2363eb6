import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { safeDirName } from '../src/engine/execute';
import { tempDataDir } from './helpers/engine-harness';
import { FakeRunnerServer } from './helpers/fake-server';
import { makeGrant, workflow } from './helpers/grants';
import { isAlive } from './helpers/processes';
import { waitFor } from './helpers/wait-for';

const RUNNER_DIR = path.resolve(import.meta.dirname, '..');

function startRunner(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: RUNNER_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const children: ChildProcess[] = [];
const pids: number[] = [];
let server: FakeRunnerServer | undefined;
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});
afterAll(async () => {
  await server?.close();
});

describe('runner process', () => {
  it('exits 2 naming a bad variable', async () => {
    const runner = startRunner({ WEFT_RUNNER_TOKEN: 'x', WEFT_RUNNER_CAPACITY: 'many' });
    children.push(runner.child);
    expect(await runner.exited).toBe(2);
    expect(runner.output()).toContain('WEFT_RUNNER_CAPACITY="many": must be a whole number');
  });

  it('on SIGTERM stops running steps, delivers their events and exits 0', async () => {
    server = await FakeRunnerServer.start({ heartbeatMs: 1000 });
    const dataDir = tempDataDir();
    const runner = startRunner({
      WEFT_SERVER_URL: `http://${new URL(server.url).host}`,
      WEFT_RUNNER_TOKEN: server.options.token,
      WEFT_DATA_DIR: dataDir,
      WEFT_RUNNER_NAME: 'proc-test',
    });
    children.push(runner.child);
    await waitFor(() => server?.framesOf('hello').length === 1, { message: `hello from the runner process; output: ${runner.output()}` });
    expect(server.framesOf('hello')[0]).toMatchObject({ name: 'proc-test', capacity: 16 });

    const grant = makeGrant(workflow([{ id: 'long', type: 'bash', command: 'sleep 30 & echo $! > child.pid; wait' }]), { executionId: 'exe_proc' });
    await waitFor(() => server?.latest?.ws.readyState === 1);
    server.latest?.send({ type: 'lease', grant });
    const pidFile = path.join(dataDir, 'runs', safeDirName('exe_proc'), 'child.pid');
    const child = await waitFor(() => (fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) || null : null), {
      message: 'the step to start',
    });
    pids.push(child);

    runner.child.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    await waitFor(() => !isAlive(child), { message: 'the step process to be killed' });
    expect(server.storedFor('exe_proc').map((e) => e.type)).toEqual(['step.started', 'step.canceled']);
  });
});
