import { getEventListeners } from 'node:events';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/helpers/engine-harness';
import { testManager } from '../../test/helpers/git-repo';
import { sendJson, startHttpServer } from '../../test/helpers/http-server';
import { FakeRunnerServer } from '../../test/helpers/fake-server';
import { waitFor } from '../../test/helpers/wait-for';
import { Backoff } from '../connection/reconnect';
import { RunnerSession } from '../connection/session';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import { silentLogger } from '../log';
import { DEFAULT_ADDRESS_POLICY, parseAllowList } from '../net/address-policy';
import { createGitCredentialClient } from './git-credential-client';
import { ASKPASS_SCRIPT } from './manager';
import { WorkspaceError } from './types';
import { workspaceStepError } from './render';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const lease = { executionId: 'exe_1', attempt: 1 };
const args = { integration: 'github', url: 'https://github.com/a/b', executionId: lease.executionId, stepId: 'fix', iterationPath: '' };
const signal = new AbortController().signal;
/** The server already holds every event of the lease. */
const stored = async () => true;

describe('git credential client', () => {
  it('asks the server with the runner credential and the lease, and returns the credential', async () => {
    const server = await startHttpServer((_req, res) => sendJson(res, 200, { username: 'x-access-token', password: 'ghs_secret' }));
    closers.push(server.close);
    const client = createGitCredentialClient({
      serverUrl: async () => server.url,
      token: 'runner-token',
      runnerId: 'run_1',
      leaseAttemptOf: () => 3,
      whenAcked: stored,
    });
    expect(
      await client({ integration: 'github', url: 'https://github.com/acme/app', executionId: 'exe_1', stepId: 'fix', iterationPath: '[2]', signal }),
    ).toEqual({
      username: 'x-access-token',
      password: 'ghs_secret',
    });
    const [request] = server.requests;
    expect(request?.url).toBe('/api/tools/git-credential');
    expect(request?.headers.authorization).toBe('Bearer runner-token');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      // The step instance: a templated URL is bound per execution, step and iteration on the server.
      context: { executionId: 'exe_1', stepId: 'fix', iterationPath: '[2]', runnerId: 'run_1', leaseAttempt: 3 },
      integration: 'github',
      url: 'https://github.com/acme/app',
    });
  });

  it('turns a refusal into a final error naming the integration, and asks nothing without a lease', async () => {
    const server = await startHttpServer((_req, res) =>
      sendJson(res, 403, { error: { message: 'step fix does not name integration github', code: 'forbidden' } }),
    );
    closers.push(server.close);
    const client = createGitCredentialClient({ serverUrl: async () => server.url, token: 't', runnerId: 'r', leaseAttemptOf: () => 1, whenAcked: stored });
    const error = await client({ integration: 'github', url: 'https://github.com/a/b', executionId: 'e', stepId: 's', iterationPath: '', signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkspaceError);
    expect((error as WorkspaceError).code).toBe('workspace_credential_unavailable');
    expect((error as Error).message).toContain('does not name integration github');
    const noLease = createGitCredentialClient({
      serverUrl: async () => server.url,
      token: 't',
      runnerId: 'r',
      leaseAttemptOf: () => undefined,
      whenAcked: stored,
    });
    await expect(
      noLease({ integration: 'github', url: 'https://github.com/a/b', executionId: 'e', stepId: 's', iterationPath: '', signal }),
    ).rejects.toMatchObject({
      code: 'lease_not_held',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('asks only once the server has stored the step start, however late that comes: a frame lost with its connection', async () => {
    const runner = await FakeRunnerServer.start();
    closers.push(() => runner.close());
    const session = new RunnerSession({
      servers: [runner.address],
      token: runner.options.token,
      name: 'test-runner',
      capacity: 1,
      log: silentLogger,
      backoff: new Backoff({ initialMs: 20, maxMs: 200 }),
    });
    closers.push(() => session.stop({ drainMs: 0 }));
    session.start({ start() {}, cancel() {}, abort() {}, leases: () => [lease] });
    await session.whenState('ready');
    // The credential route as the server has it: a running step instance in what it stored.
    const server = await startHttpServer((_req, res) =>
      runner.storedFor(lease.executionId).some((e) => e.type === 'step.started')
        ? sendJson(res, 200, { username: 'x-access-token', password: 'ghs_secret' })
        : sendJson(res, 403, { error: { message: 'step fix has no instance "" running', code: 'step_instance_not_running' } }),
    );
    closers.push(server.close);
    const client = createGitCredentialClient({
      serverUrl: async () => server.url,
      token: 't',
      runnerId: 'r',
      leaseAttemptOf: () => lease.attempt,
      whenAcked: (ref, s) => session.outbox.whenAcked(ref, s),
      notRunningRetriesMs: [1],
    });
    runner.loseOnce.add(1);
    session.outbox.emit(lease, { type: 'step.started', stepId: 'fix', iterationPath: '', attempt: 1 });
    const credential = client({ ...args, signal });
    await waitFor(() => runner.framesOf('events').length === 1, { message: 'the step.started frame sent (and lost)' });
    expect(server.requests).toHaveLength(0);
    // Resent after the reconnect, stored, acknowledged: only then is the credential asked for.
    runner.dropAll();
    expect(await credential).toEqual({ username: 'x-access-token', password: 'ghs_secret' });
    expect(server.requests).toHaveLength(1);
  });

  it('asks again while the server says the step is not running, then fails retriably, saying so', async () => {
    let refusals = 1;
    const server = await startHttpServer((_req, res) =>
      refusals-- > 0
        ? sendJson(res, 403, { error: { message: 'context.iterationPath: step fix has no instance "" running', code: 'step_instance_not_running' } })
        : sendJson(res, 200, { username: 'x-access-token', password: 'ghs_secret' }),
    );
    closers.push(server.close);
    const client = createGitCredentialClient({
      serverUrl: async () => server.url,
      token: 't',
      runnerId: 'r',
      leaseAttemptOf: () => 1,
      whenAcked: stored,
      notRunningRetriesMs: [1],
    });
    expect(await client({ ...args, signal })).toEqual({ username: 'x-access-token', password: 'ghs_secret' });
    expect(server.requests).toHaveLength(2);
    refusals = 10;
    const error = await client({ ...args, signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'workspace_credential_failed', message: expect.stringContaining('had not yet seen step fix start') });
    expect((error as Error).message).toContain('has no instance');
    // Not a verdict on the credential: the step retries per its policy.
    const stepError = workspaceStepError(error);
    expect(stepError).toBeInstanceOf(StepFailedError);
    expect(stepError).not.toBeInstanceOf(NonRetriableStepError);
    expect(server.requests).toHaveLength(2 + 2);
  });

  it("stops waiting when the step's signal aborts: for the acknowledgement, and between asks", async () => {
    const server = await startHttpServer((_req, res) =>
      sendJson(res, 403, { error: { message: 'step fix has no instance "" running', code: 'step_instance_not_running' } }),
    );
    closers.push(server.close);
    const never = (_lease: unknown, s: AbortSignal) => new Promise<boolean>((_resolve, reject) => s.addEventListener('abort', () => reject(s.reason)));
    const unacked = createGitCredentialClient({ serverUrl: async () => server.url, token: 't', runnerId: 'r', leaseAttemptOf: () => 1, whenAcked: never });
    const first = new AbortController();
    const waiting = unacked({ ...args, signal: first.signal });
    first.abort(new Error('step canceled'));
    await expect(waiting).rejects.toThrow('step canceled');
    expect(server.requests).toHaveLength(0);
    // A wait far longer than any test between two asks: the abort ends it.
    const slow = createGitCredentialClient({
      serverUrl: async () => server.url,
      token: 't',
      runnerId: 'r',
      leaseAttemptOf: () => 1,
      whenAcked: stored,
      notRunningRetriesMs: [600_000],
    });
    const second = new AbortController();
    const asking = slow({ ...args, signal: second.signal });
    await waitFor(() => server.requests.length === 1, { message: 'the first ask' });
    // Aborted once the client waits between asks (the wait is what listens on the step's signal; the
    // request in flight does not), not while its first request is still on the way.
    await waitFor(() => getEventListeners(second.signal, 'abort').length > 0, { message: 'the wait between asks' });
    second.abort(new Error('step timed out'));
    await expect(asking).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('an https clone', () => {
  it('connects to the pinned address (no second DNS lookup) and keeps the credential out of the clone', async () => {
    // Stands in for the git host: git connects and fails the TLS handshake, which is as far as
    // https can go here. That it arrives at all shows the pin: `git.example` resolves nowhere.
    const connections: string[] = [];
    const tcp = net.createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        connections.push(chunk.subarray(0, 3).toString('hex'));
        socket.destroy();
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => tcp.close(() => resolve())));
    const port = (tcp.address() as net.AddressInfo).port;
    const asked: unknown[] = [];
    const lookups: string[] = [];
    const manager = testManager({
      roots: [],
      addressPolicy: { ...DEFAULT_ADDRESS_POLICY, allow: parseAllowList('git.example').entries },
      lookup: async (host) => {
        lookups.push(host);
        return ['127.0.0.1'];
      },
      gitCredential: async (request) => {
        const { signal: given, ...rest } = request;
        asked.push(rest);
        // The step's signal: canceling the step ends the credential's waits.
        expect(given).toBe(stepSignal);
        return { username: 'x-access-token', password: 'ghs_very_secret' };
      },
    });
    const workDir = tempDataDir();
    const stepSignal = new AbortController().signal;
    const error = await manager
      .acquire({
        executionId: 'exe_https',
        workflowId: 'wf',
        stepId: 'clone',
        iterationPath: '[0]',
        workDir,
        spec: { kind: 'git', url: `https://git.example:${port}/acme/app.git`, integration: 'github' },
        signal: stepSignal,
        log: () => {},
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceError);
    expect((error as WorkspaceError).message).toContain('TLS');
    expect((error as WorkspaceError).code).toBe('workspace_clone_failed');
    // A TLS ClientHello starts with 0x16 0x03.
    expect(connections[0]?.startsWith('1603')).toBe(true);
    expect(lookups).toEqual(['git.example']);
    expect(asked).toEqual([
      { integration: 'github', url: `https://git.example:${port}/acme/app.git`, executionId: 'exe_https', stepId: 'clone', iterationPath: '[0]' },
    ]);
    const leftovers = fs.existsSync(path.join(workDir, 'workspaces')) ? fs.readdirSync(path.join(workDir, 'workspaces'), { recursive: true }) : [];
    for (const file of leftovers) {
      const full = path.join(workDir, 'workspaces', String(file));
      if (fs.statSync(full).isFile()) expect(fs.readFileSync(full, 'utf8')).not.toContain('ghs_very_secret');
    }
  });
});

describe('the askpass script', () => {
  it('answers git’s prompts from its environment, so the credential is never an argument', () => {
    const script = path.join(tempDataDir(), 'askpass.sh');
    fs.writeFileSync(script, ASKPASS_SCRIPT, { mode: 0o700 });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', WEFT_GIT_USERNAME: 'x-access-token', WEFT_GIT_PASSWORD: "p@ss 'word' $(id)" };
    expect(execFileSync(script, ["Username for 'https://github.com': "], { env, encoding: 'utf8' })).toBe('x-access-token\n');
    expect(execFileSync(script, ["Password for 'https://x-access-token@github.com': "], { env, encoding: 'utf8' })).toBe("p@ss 'word' $(id)\n");
  });
});
