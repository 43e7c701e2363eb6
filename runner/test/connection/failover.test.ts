import { afterEach, describe, expect, it } from 'vitest';
import { Backoff } from '../../src/connection/reconnect';
import type { ServerAddress } from '../../src/connection/server-addresses';
import { RunnerSession } from '../../src/connection/session';
import { createToolClient } from '../../src/llm/tool-client';
import { captureLogger } from '../helpers/capture-logger';
import { answeringAs, FakeRunnerServer, type FakeServerOptions } from '../helpers/fake-server';
import { makeGrant, workflow } from '../helpers/grants';
import { StubHost } from '../helpers/stub-host';
import { waitFor } from '../helpers/wait-for';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TOKEN = 'test-token-0123456789';
const lease = { executionId: 'exe_failover', attempt: 1 };
const started = (stepId: string) => ({ type: 'step.started' as const, stepId, iterationPath: '', attempt: 1 });

async function fakeServer(options: FakeServerOptions = {}): Promise<FakeRunnerServer> {
  const server = await FakeRunnerServer.start({ token: TOKEN, ...options });
  cleanups.push(() => server.close());
  return server;
}

/** The address of a server that is gone: its port was open a moment ago and is closed now. */
async function deadServer(): Promise<ServerAddress> {
  const server = await FakeRunnerServer.start();
  const { address } = server;
  await server.close();
  return address;
}

function startSession(servers: ServerAddress[]) {
  const log = captureLogger();
  const session = new RunnerSession({ servers, token: TOKEN, name: 'failover-runner', capacity: 2, log, backoff: new Backoff({ initialMs: 20, maxMs: 100 }) });
  const host = new StubHost();
  session.start(host);
  cleanups.push(() => session.stop({ drainMs: 0 }));
  return { session, host, log };
}

const seqsSentTo = (server: FakeRunnerServer) => server.framesOf('events').flatMap((frame) => frame.events.map((event) => event.seq));
const signal = () => new AbortController().signal;

describe('runner session: failover between servers', () => {
  it('moves to the next server when its socket dies, keeps its lease there and resends exactly the unacknowledged events', async () => {
    const first = await fakeServer();
    // One database behind both: the second server continues the first one's event cursor.
    const second = await fakeServer({ stored: first.stored });
    const { session, host, log } = startSession([first.address, second.address]);
    await session.whenState('ready');
    expect(session.server).toEqual(first.address);
    expect(await session.serverUrl(signal())).toBe(first.httpUrl);
    host.start(makeGrant(workflow([]), lease));

    session.outbox.emit(lease, started('a'));
    await waitFor(() => session.outbox.unacknowledged === 0, { message: 'the first event acknowledged' });
    // The first server stops storing (its database went away), then dies with two events unanswered.
    first.options.ingest = false;
    session.outbox.emit(lease, started('b'));
    session.outbox.emit(lease, started('c'));
    await waitFor(() => seqsSentTo(first).includes(3), { message: 'events 2 and 3 sent to the first server' });
    expect(session.outbox.unacknowledged).toBe(2);
    await first.close();

    const hello = await waitFor(() => second.framesOf('hello')[0], { message: 'hello to the second server' });
    expect(hello.holding).toEqual([lease]);
    const beat = await waitFor(() => second.framesOf('heartbeat')[0], { message: 'a heartbeat to the second server' });
    expect(beat.leases).toEqual([lease]);
    await waitFor(() => session.outbox.unacknowledged === 0, { message: 'the resent events acknowledged' });

    expect(seqsSentTo(second)).toEqual([2, 3]);
    expect(first.storedFor(lease.executionId).map((event) => [event.seq, 'stepId' in event ? event.stepId : null])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(host.aborted).toEqual([]);
    expect(session.server).toEqual(second.address);
    expect(await session.serverUrl(signal())).toBe(second.httpUrl);
    expect(log.entries.find((entry) => entry.message === 'disconnected from the server')?.fields).toMatchObject({
      server: first.httpUrl,
      next: second.httpUrl,
    });

    // New events go to the server it is on now.
    session.outbox.emit(lease, started('d'));
    await waitFor(() => session.outbox.unacknowledged === 0, { message: 'event 4 acknowledged' });
    expect(seqsSentTo(second)).toEqual([2, 3, 4]);
  });

  it('skips a server it cannot connect to and one that refuses its token, at start', async () => {
    const dead = await deadServer();
    const otherToken = await fakeServer({ token: 'another-servers-token-0123' });
    const good = await fakeServer();
    const { session, log } = startSession([dead, otherToken.address, good.address]);
    await session.whenState('ready');
    expect(good.framesOf('hello')).toHaveLength(1);
    expect(otherToken.connections).toHaveLength(0);
    expect(session.server).toEqual(good.address);
    expect(log.entries.filter((entry) => entry.level !== 'info').map((entry) => [entry.fields.server, entry.fields.next])).toEqual([
      [dead.httpUrl, otherToken.httpUrl],
      [otherToken.httpUrl, good.httpUrl],
    ]);
  });

  it('wraps around the list: a dropped socket on the last server moves to the first', async () => {
    const first = await fakeServer();
    const second = await fakeServer({ stored: first.stored });
    first.options.refuse = true;
    const { session } = startSession([first.address, second.address]);
    await session.whenState('ready');
    expect(session.server).toEqual(second.address);
    first.options.refuse = false;
    second.dropAll();
    await waitFor(() => first.framesOf('hello').length === 1, { message: 'hello to the first server again' });
    await session.whenState('ready');
    expect(session.server).toEqual(first.address);
  });

  it('holds an HTTP call made between servers until it is welcomed by the next, and sends it there', async () => {
    const first = await fakeServer({ http: answeringAs('first') });
    const second = await fakeServer({ stored: first.stored, http: answeringAs('second'), welcome: false });
    const { session, host } = startSession([first.address, second.address]);
    await session.whenState('ready');
    host.start(makeGrant(workflow([]), lease));
    const tools = createToolClient({
      serverUrl: session.serverUrl,
      token: TOKEN,
      runnerId: session.runnerId,
      leaseAttemptOf: (executionId) => host.leases().find((held) => held.executionId === executionId)?.attempt,
      listTools: () => session.listTools(),
    });
    const call = (stepId: string) =>
      tools.call({ name: 'workflows:list_workflows', arguments: {}, executionId: lease.executionId, stepId, sessionId: null, signal: signal() });

    expect(await call('before')).toEqual({ ok: true, result: { answeredBy: 'first' } });
    await first.close();
    await waitFor(() => second.framesOf('hello').length === 1, { message: 'hello to the second server' });
    expect(session.state).toBe('handshaking');
    const during = call('during');
    // An aborted call stops waiting and sends nothing.
    const aborted = new AbortController();
    const abandoned = tools.call({
      name: 'workflows:list_workflows',
      arguments: {},
      executionId: lease.executionId,
      stepId: 'abandoned',
      sessionId: null,
      signal: aborted.signal,
    });
    aborted.abort(new Error('step canceled'));
    await expect(abandoned).rejects.toThrow('step canceled');
    expect(second.httpRequests).toHaveLength(0);

    second.latest?.send({ type: 'welcome', id: 'hello', runnerId: session.runnerId, heartbeatMs: 60_000, leaseMs: 15_000 });
    expect(await during).toEqual({ ok: true, result: { answeredBy: 'second' } });
    expect(await call('after')).toEqual({ ok: true, result: { answeredBy: 'second' } });
    expect(first.httpRequests.map((req) => JSON.parse(req.body).context.stepId)).toEqual(['before']);
    expect(second.httpRequests.map((req) => [req.url, JSON.parse(req.body).context])).toEqual([
      ['/api/tools/call', { executionId: lease.executionId, stepId: 'during', runnerId: session.runnerId, leaseAttempt: 1 }],
      ['/api/tools/call', { executionId: lease.executionId, stepId: 'after', runnerId: session.runnerId, leaseAttempt: 1 }],
    ]);
  });
});
