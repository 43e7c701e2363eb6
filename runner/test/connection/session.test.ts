import { afterEach, describe, expect, it } from 'vitest';
import { Backoff } from '../../src/connection/reconnect';
import { RunnerSession } from '../../src/connection/session';
import { Engine } from '../../src/engine/engine';
import type { Logger } from '../../src/log';
import { silentLogger } from '../../src/log';
import { captureLogger } from '../helpers/capture-logger';
import { fakeRegistry, tempDataDir } from '../helpers/engine-harness';
import { FakeRunnerServer, type FakeServerOptions } from '../helpers/fake-server';
import { makeGrant, workflow } from '../helpers/grants';
import { StubHost } from '../helpers/stub-host';
import { waitFor } from '../helpers/wait-for';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup({
  server: serverOptions = {},
  token,
  log = silentLogger,
  backoff = new Backoff({ initialMs: 20, maxMs: 200 }),
  maxMissedHeartbeats,
}: {
  server?: FakeServerOptions;
  token?: string;
  log?: Logger;
  backoff?: Backoff;
  maxMissedHeartbeats?: number;
} = {}) {
  const server = await FakeRunnerServer.start(serverOptions);
  const session = new RunnerSession({
    servers: [server.address],
    token: token ?? server.options.token,
    name: 'test-runner',
    capacity: 3,
    log,
    backoff,
    ...(maxMissedHeartbeats === undefined ? {} : { maxMissedHeartbeats }),
  });
  cleanups.push(() => server.close());
  cleanups.push(() => session.stop({ drainMs: 0 }));
  return { server, session };
}

const lease = { executionId: 'exe_conn', attempt: 1 };
const started = (stepId: string) => ({ type: 'step.started' as const, stepId, iterationPath: '', attempt: 1 });

/** `setup`, then a session started on a stub host and ready; `holding` puts the test lease on that host. */
async function readySession({ holding = false, ...options }: Parameters<typeof setup>[0] & { holding?: boolean } = {}) {
  const { server, session } = await setup(options);
  const host = new StubHost();
  session.start(host);
  await session.whenState('ready');
  if (holding) host.start(makeGrant(workflow([]), lease));
  return { server, session, host };
}

describe('runner session: handshake', () => {
  it('sends hello with a bearer token and becomes ready on welcome', async () => {
    const { server, session } = await setup();
    session.start(new StubHost());
    await session.whenState('ready');
    const hello = server.framesOf('hello')[0];
    expect(server.latest?.authorization).toBe(`Bearer ${server.options.token}`);
    expect(hello).toEqual({ type: 'hello', id: 'hello', protocolVersion: 1, runnerId: session.runnerId, name: 'test-runner', capacity: 3, holding: [] });
  });

  it('keeps retrying with a clear error when the token is refused', async () => {
    const log = captureLogger();
    const { server, session } = await setup({ token: 'wrong-token-xxxxxxxx', log });
    session.start(new StubHost());
    await waitFor(() => log.entries.filter((e) => e.message.includes('refused the runner token')).length >= 2, { message: 'two refused attempts' });
    expect(server.connections).toHaveLength(0);
    expect(log.entries.find((e) => e.level === 'error')?.fields.status).toBe(401);
  });
});

describe('runner session: leases and events', () => {
  it('runs a lease on the engine and delivers its events with seqs from 1, batched per tick', async () => {
    const { server, session } = await setup();
    const { registry } = fakeRegistry();
    const engine = new Engine({ sink: session.outbox, registry, dataDir: tempDataDir(), logger: silentLogger });
    session.start(engine);
    await session.whenState('ready');
    const grant = makeGrant(
      workflow([
        { id: 'one', type: 'bash', command: 'a' },
        { id: 'two', type: 'bash', command: 'b' },
      ]),
      { executionId: 'exe_flow' },
    );
    server.latest?.send({ type: 'lease', grant });
    await waitFor(() => server.storedFor('exe_flow').some((e) => e.type === 'execution.finished'), { message: 'execution.finished stored' });
    expect(server.storedFor('exe_flow').map((e) => `${e.seq}:${e.type}`)).toEqual([
      '1:step.started',
      '2:step.succeeded',
      '3:step.started',
      '4:step.succeeded',
      '5:execution.finished',
    ]);
    // Everything the engine produced before yielding to I/O left in one frame.
    expect(server.framesOf('events').map((f) => f.events.length)).toEqual([5]);
    await waitFor(() => session.outbox.leases().length === 0 && engine.size === 0, { message: 'lease released locally' });
  });

  it("never sends an event over the server's 16 MiB frame limit: a huge snapshot becomes a note, and the stream goes on", async () => {
    const { server, session } = await readySession({ holding: true, server: { maxPayload: 16 * 1024 * 1024 } });
    // 3 MB of control bytes: under the 8 MiB diff cap, but about 18 MB once JSON-escaped.
    const diff = '\u0001'.repeat(3 * 1024 * 1024);
    session.outbox.emit(lease, started('a'));
    session.outbox.emit(lease, { type: 'workspace.snapshot', stepId: 'a', iterationPath: '', attempt: 1, key: 'w', baseCommit: null, changedFiles: [], diff });
    session.outbox.emit(lease, started('b'));
    await waitFor(() => server.storedFor(lease.executionId).length === 3, { message: 'all three stored' });
    expect(server.storedFor(lease.executionId).map((e) => e.type)).toEqual(['step.started', 'step.log', 'step.started']);
    expect(server.framesOf('hello')).toHaveLength(1);
    await waitFor(() => session.outbox.unacknowledged === 0, { message: 'ack' });
  });

  it('resends unacknowledged events after the server drops the socket, without duplicates once acked', async () => {
    const { server, session } = await readySession({ holding: true });
    server.options.ingest = false;
    session.outbox.emit(lease, started('a'));
    session.outbox.emit(lease, started('b'));
    await waitFor(() => server.framesOf('events').length === 1);
    server.options.ingest = true;
    server.dropAll();
    await waitFor(() => server.framesOf('hello').length === 2 && session.state === 'ready', { message: 'reconnect' });
    expect(server.framesOf('hello')[1]?.holding).toEqual([lease]);
    await waitFor(() => server.storedFor(lease.executionId).length === 2);
    expect(server.framesOf('events').map((f) => f.events.map((e) => e.seq))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    await waitFor(() => session.outbox.unacknowledged === 0, { message: 'ack' });
    session.outbox.emit(lease, started('c'));
    await waitFor(() => server.storedFor(lease.executionId).length === 3);
    expect(server.framesOf('events').map((f) => f.events.map((e) => e.seq))[2]).toEqual([3]);
    expect(server.storedFor(lease.executionId).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('only the unacknowledged tail is resent', async () => {
    const { server, session } = await readySession({ holding: true });
    session.outbox.emit(lease, started('a'));
    await waitFor(() => session.outbox.unacknowledged === 0);
    server.options.ingest = false;
    session.outbox.emit(lease, started('b'));
    await waitFor(() => server.framesOf('events').length === 2);
    server.options.ingest = true;
    server.dropAll();
    await waitFor(() => server.storedFor(lease.executionId).length === 2, { message: 'resend' });
    expect(server.framesOf('events').map((f) => f.events.map((e) => e.seq))).toEqual([[1], [2], [2]]);
  });

  it('resends from the lowest unacknowledged seq after seq_gap', async () => {
    const { server, session } = await setup();
    session.start(new StubHost());
    await session.whenState('ready');
    server.loseOnce.add(1);
    session.outbox.emit(lease, started('a'));
    await waitFor(() => server.framesOf('events').length === 1);
    session.outbox.emit(lease, started('b'));
    await waitFor(() => server.storedFor(lease.executionId).length === 2, { message: 'gap filled' });
    expect(server.framesOf('events').map((f) => f.events.map((e) => e.seq))).toEqual([[1], [2], [1, 2]]);
    expect(server.storedFor(lease.executionId).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('resends shortly after reject storage_unavailable, until the events are acknowledged', async () => {
    const { server, session, host } = await readySession();
    server.options.ingest = false;
    session.outbox.emit(lease, started('a'));
    session.outbox.emit(lease, started('b'));
    await waitFor(() => server.framesOf('events').length === 1);
    server.latest?.send({
      type: 'reject',
      id: 'f1',
      executionId: lease.executionId,
      attempt: 1,
      code: 'storage_unavailable',
      message: 'events not stored: the disk is full',
    });
    server.options.ingest = true;
    await waitFor(() => server.storedFor(lease.executionId).length === 2, { message: 'resent and stored', timeoutMs: 5_000 });
    expect(server.framesOf('events').map((f) => f.events.map((e) => e.seq))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(host.aborted).toEqual([]);
    await waitFor(() => session.outbox.unacknowledged === 0);
  });

  it('reject stale_lease aborts the execution and drops its events', async () => {
    const { server, session, host } = await readySession({ holding: true });
    server.options.ingest = false;
    session.outbox.emit(lease, started('a'));
    await waitFor(() => server.framesOf('events').length === 1);
    server.latest?.send({ type: 'reject', executionId: lease.executionId, attempt: 1, code: 'stale_lease', message: 'lease attempt 1 is not held' });
    await waitFor(() => host.aborted.length === 1, { message: 'abort' });
    expect(host.aborted[0]).toEqual({ ...lease, reason: 'stale_lease: lease attempt 1 is not held' });
    expect(session.outbox.unacknowledged).toBe(0);
    session.outbox.emit(lease, started('b'));
    server.dropAll();
    await waitFor(() => server.framesOf('hello').length === 2 && session.state === 'ready');
    expect(server.framesOf('hello')[1]?.holding).toEqual([]);
    expect(server.framesOf('events')).toHaveLength(1);
  });

  it('passes cancel to the engine', async () => {
    const { server, host } = await readySession();
    server.latest?.send({ type: 'cancel', executionId: 'exe_x', attempt: 2, reason: 'canceled by ana' });
    await waitFor(() => host.canceled.length === 1);
    expect(host.canceled[0]).toEqual({ executionId: 'exe_x', attempt: 2, reason: 'canceled by ana' });
  });
});

describe('runner session: heartbeats', () => {
  it('sends heartbeats with held leases and stops executions the server says are lost', async () => {
    const { server, host } = await readySession({ server: { heartbeatMs: 30 }, holding: true });
    await waitFor(() => server.framesOf('heartbeat').some((f) => f.leases.length === 1), { message: 'a heartbeat with the lease' });
    expect(server.framesOf('heartbeat').find((f) => f.leases.length === 1)?.leases).toEqual([lease]);
    server.latest?.send({ type: 'heartbeat_ack', lost: [{ ...lease, reason: 'lease expired' }] });
    await waitFor(() => host.aborted.length === 1);
    expect(host.aborted[0]).toEqual({ ...lease, reason: 'lease expired' });
  });

  it('stops an execution once its own deadline passes without a renewal, and still offers its events', async () => {
    const leaseMs = 1_500;
    const beatMs = 100;
    const { server, session, host } = await readySession({ server: { heartbeatMs: beatMs, leaseMs }, maxMissedHeartbeats: 1000 });
    server.latest?.send({ type: 'lease', grant: makeGrant(workflow([]), lease) });
    await waitFor(() => host.started.length === 1);
    // Renewed while the server answers: the execution outlives several lease durations.
    await waitFor(() => server.framesOf('heartbeat').filter((f) => f.leases.length === 1).length >= (2 * leaseMs) / beatMs, {
      message: 'two leases of beats',
      timeoutMs: 10_000,
    });
    expect(host.aborted).toEqual([]);
    // Cut off: no more acks (the socket stays open, as in a partition the runner cannot see).
    server.options.heartbeatAcks = false;
    server.options.ingest = false;
    session.outbox.emit(lease, started('a'));
    // When (leaseMs minus a margin after the last renewal, before the server may expire it) is the
    // fence's rule, proven under an injected clock in lease-fence.test.ts; here, that the session
    // stops the execution by it.
    await waitFor(() => host.aborted.length === 1, { message: 'the runner fenced itself', timeoutMs: 5_000 });
    expect(host.aborted[0]).toMatchObject({ ...lease, reason: 'the lease was not renewed in time (runner deadline)' });
    // Stopped once, however long its events wait.
    expect(session.outbox.unacknowledged).toBe(1);
    const beats = server.framesOf('heartbeat').length;
    await waitFor(() => server.framesOf('heartbeat').length >= beats + (2 * leaseMs) / beatMs, { timeoutMs: 10_000 });
    expect(host.aborted).toHaveLength(1);
    // Back in touch: the server decides (here it still holds the lease and stores them).
    server.options.ingest = true;
    server.dropAll();
    await waitFor(() => server.storedFor(lease.executionId).length === 1, { message: 'kept events delivered' });
    await waitFor(() => session.heldLeases().length === 0, { message: 'the stream forgotten once acknowledged' });
  });

  it('reconnects when heartbeats go unanswered, listing held leases in hello', async () => {
    const { server, session } = await setup({ server: { heartbeatMs: 20, heartbeatAcks: false }, maxMissedHeartbeats: 2 });
    const host = new StubHost();
    host.held = [lease];
    session.start(host);
    await waitFor(() => server.framesOf('hello').length >= 2, { message: 'a second hello' });
    expect(server.framesOf('hello')[1]?.holding).toEqual([lease]);
  });
});

describe('runner session: robustness', () => {
  it('ignores and logs invalid server frames, then carries on', async () => {
    const log = captureLogger();
    const { server, session, host } = await readySession({ log });
    server.latest?.send('this is not json');
    server.latest?.send(JSON.stringify({ type: 'lease', grant: { executionId: 42 } }));
    server.latest?.send(JSON.stringify({ type: 'surprise' }));
    server.latest?.send({ type: 'lease', grant: makeGrant(workflow([]), { executionId: 'exe_ok' }) });
    await waitFor(() => host.started.length === 1);
    expect(host.started[0]?.executionId).toBe('exe_ok');
    const warnings = log.entries.filter((e) => e.message === 'ignored an invalid frame from the server');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]?.fields.reason).toBe('frame is not JSON');
    expect(session.state).toBe('ready');
  });

  it('reconnects with exponential backoff and resets it after a welcome', async () => {
    const log = captureLogger();
    const { server, session } = await setup({ server: { refuse: true }, log, backoff: new Backoff({ initialMs: 10, maxMs: 40, random: () => 1 }) });
    session.start(new StubHost());
    const delays = () => log.entries.filter((e) => e.message === 'disconnected from the server').map((e) => e.fields.retryInMs);
    await waitFor(() => delays().length >= 4, { message: 'four reconnects' });
    expect(delays().slice(0, 4)).toEqual([10, 20, 40, 40]);
    server.options.refuse = false;
    await session.whenState('ready');
    const before = delays().length;
    server.dropAll();
    await waitFor(() => delays().length > before);
    expect(delays()[before]).toBe(10);
  });

  it('stop() waits for outstanding acks and closes for good', async () => {
    const { server, session } = await setup();
    session.start(new StubHost());
    await session.whenState('ready');
    session.outbox.emit(lease, started('a'));
    await session.stop({ drainMs: 2000 });
    expect(server.storedFor(lease.executionId)).toHaveLength(1);
    expect(session.state).toBe('stopped');
    await waitFor(() => server.latest?.ws.readyState === 3, { message: 'socket closed' });
    expect(server.connections).toHaveLength(1);
  });
});

describe('runner session: listing tools over the socket', () => {
  const tool = { name: 'workflows:list_workflows', description: 'List workflows', inputSchema: { type: 'object' }, destructive: false };

  it('asks with tools_list and resolves with the tools the server answers for that id', async () => {
    const { server, session } = await setup({ server: { tools: [tool] } });
    session.start(new StubHost());
    await session.whenState('ready');
    expect(await session.listTools()).toEqual([tool]);
    expect(await session.listTools()).toEqual([tool]);
    const ids = server.framesOf('tools_list').map((f) => f.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('waits for the connection when asked between reconnects', async () => {
    const { server, session } = await setup({ server: { tools: [tool] } });
    const listed = session.listTools();
    session.start(new StubHost());
    expect(await listed).toEqual([tool]);
    expect(server.framesOf('tools_list')).toHaveLength(1);
  });

  it('rejects on an error frame for its id, and when the socket closes before the answer', async () => {
    const { server, session } = await setup({ server: { tools: 'error' } });
    session.start(new StubHost());
    await session.whenState('ready');
    await expect(session.listTools()).rejects.toMatchObject({ code: 'internal', message: 'the server could not process this frame' });
    server.options.tools = 'silent';
    const pending = session.listTools();
    await waitFor(() => server.framesOf('tools_list').length === 2);
    server.dropAll();
    await expect(pending).rejects.toThrow(/connection to the server closed/);
  });
});
