import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { safeDirName } from '../src/engine/execute';
import { tempDataDir } from './helpers/engine-harness';
import { answeringAs, FakeRunnerServer, type FakeServerOptions } from './helpers/fake-server';
import { makeGrant, workflow } from './helpers/grants';
import { isAlive, processesWithArgument } from './helpers/processes';
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
const servers: FakeRunnerServer[] = [];
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
  for (const other of servers) await other.close();
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

    // Found by its unique duration in /proc: in the sandbox `$!` is a pid of the step's own namespace.
    const marker = `${30 + (process.pid % 97)}.${Date.now() % 1000}`;
    const grant = makeGrant(workflow([{ id: 'long', type: 'bash', command: `sleep ${marker} & wait` }]), { executionId: 'exe_proc' });
    await waitFor(() => server?.latest?.ws.readyState === 1);
    server.latest?.send({ type: 'lease', grant });
    const [child] = await waitFor(() => (processesWithArgument(marker).length === 1 ? processesWithArgument(marker) : null), { message: 'the step to start' });
    pids.push(child!);

    runner.child.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    await waitFor(() => !isAlive(child!), { message: 'the step process to be killed' });
    expect(server.storedFor('exe_proc').map((e) => e.type)).toEqual(['step.started', 'step.canceled']);
  });

  it('with WEFT_SANDBOX=bwrap and no bubblewrap, exits 2 saying so', async () => {
    const runner = startRunner({ WEFT_RUNNER_TOKEN: 'x', WEFT_DATA_DIR: tempDataDir(), WEFT_SANDBOX: 'bwrap', PATH: tempDataDir() });
    children.push(runner.child);
    expect(await runner.exited).toBe(2);
    expect(runner.output()).toContain('weft runner: WEFT_SANDBOX=bwrap: bwrap (bubblewrap) is not on the PATH');
  });

  it('SIGKILLed, takes its sandboxed step processes along, even one that left their process group', async () => {
    const fake = await FakeRunnerServer.start({ heartbeatMs: 1000 });
    servers.push(fake);
    const runner = startRunner({
      WEFT_SERVER_URL: `http://${new URL(fake.url).host}`,
      WEFT_RUNNER_TOKEN: fake.options.token,
      WEFT_DATA_DIR: tempDataDir(),
      WEFT_SANDBOX: 'bwrap',
    });
    children.push(runner.child);
    await waitFor(() => fake.framesOf('hello').length === 1, { message: `hello from the runner process; output: ${runner.output()}` });
    const [escaped, inGroup] = [`${70 + (process.pid % 89)}.${Date.now() % 1000}`, `${71 + (process.pid % 89)}.${Date.now() % 1000}`] as const;
    const command = `setsid sleep ${escaped} >/dev/null 2>&1 & sleep ${inGroup}`;
    fake.latest?.send({ type: 'lease', grant: makeGrant(workflow([{ id: 'long', type: 'bash', command }]), { executionId: 'exe_sandbox_kill' }) });
    await waitFor(() => processesWithArgument(escaped).length === 1 && processesWithArgument(inGroup).length === 1, {
      message: `both sleeps to start; output: ${runner.output()}`,
    });
    pids.push(...processesWithArgument(escaped), ...processesWithArgument(inGroup));

    runner.child.kill('SIGKILL');
    await runner.exited;
    await waitFor(() => processesWithArgument(escaped).length === 0 && processesWithArgument(inGroup).length === 0, {
      message: 'the sandbox to die with the runner',
    });
  });

  it('exits 2 naming a bad entry of the server list', async () => {
    const runner = startRunner({ WEFT_RUNNER_TOKEN: 'x', WEFT_SERVER_URL: 'http://127.0.0.1:8787,127.0.0.1:8788' });
    children.push(runner.child);
    expect(await runner.exited).toBe(2);
    expect(runner.output()).toContain('WEFT_SERVER_URL: "127.0.0.1:8788" is not an http(s):// or ws(s):// URL');
  });

  it('fails over mid-run: past a server it cannot reach, then from a killed server to the next, with its lease, its events and its HTTP calls', async () => {
    const start = async (options: FakeServerOptions) => {
      const started = await FakeRunnerServer.start({ heartbeatMs: 60_000, ...options });
      servers.push(started);
      return started;
    };
    const gone = await start({});
    await gone.close();
    // Its database stops answering once the gate step starts: from there it stores and acknowledges nothing.
    const first = await start({ http: answeringAs('first'), stallAt: (event) => event.type === 'step.started' && event.stepId === 'gate' });
    const second = await start({ http: answeringAs('second'), stored: first.stored });
    const dataDir = tempDataDir();
    // Outside the run directory: the steps reach it through the sandbox's write paths.
    const trailDir = tempDataDir();
    const trail = path.join(trailDir, 'trail');
    const runner = startRunner({
      WEFT_SERVER_URL: [gone.httpUrl, first.httpUrl, second.httpUrl].join(','),
      WEFT_RUNNER_TOKEN: first.options.token,
      WEFT_DATA_DIR: dataDir,
      WEFT_SANDBOX_WRITE_PATHS: trailDir,
    });
    children.push(runner.child);
    const hello = await waitFor(() => first.framesOf('hello')[0], { message: `hello to the first reachable server; output: ${runner.output()}` });
    expect(gone.connections).toHaveLength(0);

    const grant = makeGrant(
      workflow([
        { id: 'one', type: 'bash', command: `echo one >> ${trail}` },
        { id: 'gate', type: 'bash', command: `echo gate >> ${trail}; while [ ! -e go ]; do sleep 0.02; done` },
        { id: 'call', type: 'tool', tool: 'workflows:list_workflows', arguments: {} },
      ]),
      { executionId: 'exe_failover' },
    );
    first.latest?.send({ type: 'lease', grant });
    const sentToFirst = () => first.framesOf('events').flatMap((frame) => frame.events);
    await waitFor(() => sentToFirst().some((event) => event.type === 'step.started' && event.stepId === 'gate'), { message: 'the gate step started' });
    // A barrier: the runner reads frames in order, so once it logs this one it has read every ack before it.
    first.latest?.send('barrier');
    await waitFor(() => runner.output().includes('ignored an invalid frame from the server'), { message: 'the runner to read the barrier' });
    const storedByFirst = first.storedFor('exe_failover').length;
    expect(first.storedFor('exe_failover').map((event) => event.type)).toEqual(['step.started', 'step.succeeded']);
    await first.close();

    const rehello = await waitFor(() => second.framesOf('hello')[0], { message: 'hello to the second server' });
    expect(rehello).toMatchObject({ runnerId: hello.runnerId, holding: [{ executionId: 'exe_failover', attempt: 1 }] });
    const beat = await waitFor(() => second.framesOf('heartbeat')[0], { message: 'a heartbeat to the second server' });
    expect(beat.leases).toEqual([{ executionId: 'exe_failover', attempt: 1 }]);
    await waitFor(() => first.storedFor('exe_failover').some((event) => event.type === 'step.started' && event.stepId === 'gate'), {
      message: 'the gate step start resent to the second server',
    });
    fs.writeFileSync(path.join(dataDir, 'runs', safeDirName('exe_failover'), 'go'), '');
    const stored = await waitFor(
      () => {
        const events = first.storedFor('exe_failover');
        return events.at(-1)?.type === 'execution.finished' ? events : null;
      },
      { message: `the execution to finish; output: ${runner.output()}` },
    );

    // One database's view: every event once, gap-free, in order; each step ran once.
    expect(stored.map((event) => event.seq)).toEqual(stored.map((_event, index) => index + 1));
    expect(stored.filter((event) => event.type !== 'step.log').map((event) => [event.type, 'stepId' in event ? event.stepId : null])).toEqual([
      ['step.started', 'one'],
      ['step.succeeded', 'one'],
      ['step.started', 'gate'],
      ['step.succeeded', 'gate'],
      ['step.started', 'call'],
      ['step.succeeded', 'call'],
      ['execution.finished', null],
    ]);
    expect(stored.at(-2)).toMatchObject({ type: 'step.succeeded', stepId: 'call', output: { answeredBy: 'second' } });
    expect(fs.readFileSync(trail, 'utf8')).toBe('one\ngate\n');
    // The second server got what the first never stored, from there on: nothing lost, nothing it already had.
    const sentToSecond = second.framesOf('events').flatMap((frame) => frame.events);
    expect(sentToSecond[0]).toMatchObject({ seq: storedByFirst + 1, type: 'step.started', stepId: 'gate' });
    expect(sentToSecond.map((event) => event.seq)).toEqual(stored.slice(storedByFirst).map((event) => event.seq));
    // The tool call went to the server the runner was connected to then.
    expect(first.httpRequests).toHaveLength(0);
    expect(second.httpRequests.map((req) => [req.method, req.url, JSON.parse(req.body).context])).toEqual([
      ['POST', '/api/tools/call', { executionId: 'exe_failover', stepId: 'call', runnerId: hello.runnerId, leaseAttempt: 1 }],
    ]);
  });
});
