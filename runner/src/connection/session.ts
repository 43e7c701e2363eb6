import { randomUUID } from 'node:crypto';
import {
  RUNNER_PROTOCOL_VERSION,
  type LeaseGrant,
  type NotifyDestination,
  type NotifyRequest,
  type RunnerClientMessage,
  type RunnerServerMessage,
  type RunnerToolInfo,
} from '@weft/shared';
import type WebSocket from 'ws';
import type { HandlerMap } from '../engine/outcomes';
import type { LeaseRef } from '../engine/types';
import type { Logger } from '../log';
import { decodeServerMessage } from './codec';
import { Heartbeat } from './heartbeat';
import { LeaseFence } from './lease-fence';
import { Outbox } from './outbox';
import { Backoff } from './reconnect';
import type { ServerAddress } from './server-addresses';
import { RunnerSocket, type SocketCloseInfo } from './socket';

/** What the session drives; `Engine` implements it. */
export interface ExecutionHost {
  start(grant: LeaseGrant): void;
  cancel(request: { executionId: string; attempt: number; reason: string }): void;
  abort(request: LeaseRef & { reason: string }): void;
  leases(): LeaseRef[];
}

export type SessionOptions = {
  /** The servers to connect to, in failover order: a closed socket or a failed connect moves to the next. */
  servers: readonly ServerAddress[];
  token: string;
  name: string;
  capacity: number;
  log: Logger;
  runnerId?: string;
  backoff?: Backoff;
  /** Missed heartbeat acks in a row before the connection is dropped and re-established. */
  maxMissedHeartbeats?: number;
  /** Injectable for tests: how the outbox defers a flush to the end of the tick. */
  schedule?: (flush: () => void) => void;
  /** Injectable for tests: the monotonic clock of the lease deadline (`performance.now`). */
  now?: () => number;
};

export type SessionState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'waiting' | 'stopped';

type Handlers = HandlerMap<RunnerServerMessage, void>;

/** How long a request over the socket (`tools_list`, `notify`) waits for the connection and for its answer. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The server answered a request with `error { code, message }`; `code` is machine-readable. */
export class ServerRequestError extends Error {
  override readonly name = 'ServerRequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type PendingRequest = { what: string; resolve(answer: unknown): void; reject(error: Error): void };

/**
 * The runner's side of `/ws/runner`: connect, `hello` (with the leases still held after a
 * reconnect), `welcome`, then leases in, events out, heartbeats. A dropped socket is re-opened with
 * backoff, to the next of the configured servers (servers share one database, so any of them
 * renews this runner's leases and stores its events); unacknowledged events are resent after every
 * handshake. Nothing here runs steps.
 */
export class RunnerSession {
  readonly runnerId: string;
  readonly outbox: Outbox;
  /** The runner's own lease deadlines: it stops an execution before the server may grant it again. */
  readonly fence: LeaseFence;
  private readonly backoff: Backoff;
  private beats = 0;
  private engine: ExecutionHost | undefined;
  private socket: RunnerSocket | undefined;
  private heartbeat: Heartbeat | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private currentState: SessionState = 'idle';
  private readonly handlers: Handlers;
  private readonly stateListeners = new Set<(state: SessionState) => void>();
  private readonly pending = new Map<string, PendingRequest>();
  private requestSeq = 0;
  /** Index in `options.servers` of the server connected to, or being tried. */
  private serverIndex = 0;

  constructor(private readonly options: SessionOptions) {
    if (options.servers.length === 0) throw new Error('a runner session needs at least one server');
    this.runnerId = options.runnerId ?? `rnr_${randomUUID()}`;
    this.backoff = options.backoff ?? new Backoff();
    this.outbox = new Outbox({
      send: (frame, eventTexts) => this.socket?.send(frame, eventTexts) ?? false,
      onLeaseLost: (lease, reason) => this.engine?.abort({ ...lease, reason }),
      log: options.log,
      ...(options.schedule ? { schedule: options.schedule } : {}),
    });
    this.fence = new LeaseFence({
      held: () => this.heldLeases(),
      onExpired: (lease) => {
        this.options.log.warn('lease not renewed in time; stopping the execution', { ...lease, marginMs: this.fence.marginMs });
        // Its unacknowledged events are kept and still offered: the server stores them only while
        // the lease is still this runner's (same attempt, not expired or in its restart grace), so
        // finished steps are not lost to a server restart; otherwise they are refused (stale_lease).
        this.engine?.abort({ ...lease, reason: 'the lease was not renewed in time (runner deadline)' });
        this.outbox.close(lease);
      },
      ...(options.now ? { now: options.now } : {}),
    });
    this.handlers = {
      welcome: (message) => this.onWelcome(message),
      lease: ({ grant }) => {
        this.options.log.info('lease received', { executionId: grant.executionId, attempt: grant.attempt });
        this.fence.granted(grant);
        this.requireEngine().start(grant);
      },
      cancel: ({ executionId, attempt, reason }) => this.requireEngine().cancel({ executionId, attempt, reason }),
      heartbeat_ack: ({ id, lost }) => {
        this.heartbeat?.ack();
        this.fence.acked(id, lost);
        for (const lease of lost) {
          this.outbox.drop(lease);
          this.requireEngine().abort(lease);
        }
      },
      ack: (message) => this.outbox.ack(message),
      reject: (message) => this.outbox.reject(message),
      tools: ({ id, tools }) => this.settle(String(id), (p) => p.resolve(tools)),
      notified: ({ id, delivered }) => this.settle(String(id), (p) => p.resolve(delivered)),
      error: ({ id, code, message }) => {
        if (id !== null && this.settle(String(id), (p) => p.reject(new ServerRequestError(code, message)))) return;
        this.options.log.warn('server reported an error', { id, code, message });
        if (code === 'unsupported_protocol')
          this.options.log.error('the server does not speak this runner protocol version; upgrade the runner', { protocolVersion: RUNNER_PROTOCOL_VERSION });
      },
    };
  }

  get state(): SessionState {
    return this.currentState;
  }

  /** The server this session is connected to, or trying to connect to while it is not. */
  get server(): ServerAddress {
    return this.options.servers[this.serverIndex]!;
  }

  /**
   * The HTTP base of the server this session is connected to now (a `ServerUrlSource`): HTTP calls
   * name leases and events that server has seen. Waits (bounded, or until `signal` aborts) while
   * the session is between servers.
   */
  readonly serverUrl = async (signal: AbortSignal): Promise<string> => {
    await this.whenReady('calling the server', signal);
    return this.server.httpUrl;
  };

  /** Connects and keeps reconnecting until `stop()`. */
  start(engine: ExecutionHost): void {
    if (this.currentState !== 'idle') throw new Error('session already started');
    this.engine = engine;
    this.connect();
  }

  /** Every lease this runner holds: running executions and those whose last events are not yet acknowledged. */
  heldLeases(): LeaseRef[] {
    const byKey = new Map<string, LeaseRef>();
    for (const lease of [...(this.engine?.leases() ?? []), ...this.outbox.leases()]) byKey.set(`${lease.attempt}#${lease.executionId}`, lease);
    return [...byKey.values()];
  }

  /**
   * The tools a workflow may call, asked over this socket: the runner credential is not accepted
   * on `GET /api/tools`. Waits (bounded) for the connection when it is between reconnects.
   */
  listTools(): Promise<RunnerToolInfo[]> {
    return this.request<RunnerToolInfo[]>({ what: 'listing tools', frame: (id) => ({ type: 'tools_list', id }) });
  }

  /** Asks the server to deliver a notify step's message; resolves with where it went. */
  notify(request: NotifyRequest): Promise<NotifyDestination[]> {
    return this.request<NotifyDestination[]>({ what: 'notifying', frame: (id) => ({ type: 'notify', id, ...request }) });
  }

  /** One request over the socket, answered by a frame with the same id (or `error` with it). */
  private async request<T>({ what, frame }: { what: string; frame: (id: string) => RunnerClientMessage }): Promise<T> {
    const deadline = Date.now() + REQUEST_TIMEOUT_MS;
    await this.whenReady(what);
    const id = `req-${++this.requestSeq}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, (p) => p.reject(new Error(`${what} failed: the server did not answer`))),
        Math.max(1, deadline - Date.now()),
      );
      this.pending.set(id, {
        what,
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      if (!this.socket?.send(frame(id))) this.settle(id, (p) => p.reject(new Error(`${what} failed: not connected to the server`)));
    });
  }

  /** Resolves once connected and welcomed; rejects after `REQUEST_TIMEOUT_MS` without, or when `signal` aborts. */
  private async whenReady(what: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.currentState === 'ready') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const givenUp = new Promise<'timeout' | 'aborted'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), REQUEST_TIMEOUT_MS);
      onAbort = () => resolve('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([this.whenState('ready'), givenUp]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (outcome === 'aborted') signal?.throwIfAborted();
    if (outcome === 'timeout') throw new Error(`${what} failed: not connected to the server`);
  }

  /** Waits (bounded) for outstanding events to be acknowledged, then closes for good. */
  async stop({ drainMs = 5_000 }: { drainMs?: number } = {}): Promise<void> {
    if (this.currentState === 'stopped') return;
    this.outbox.flush();
    // Also while disconnected: a reconnect within the budget still delivers them.
    if (this.outbox.unacknowledged > 0) {
      const drained = await this.outbox.whenDrained(drainMs);
      if (!drained) this.options.log.warn('stopping with unacknowledged events', { count: this.outbox.unacknowledged });
    }
    await this.socket?.flushed(1_000);
    this.setState('stopped');
    clearTimeout(this.reconnectTimer);
    this.heartbeat?.stop();
    this.fence.stop();
    this.outbox.dispose();
    this.socket?.close(1000, 'runner stopping');
  }

  /**
   * Null while connected and welcomed; otherwise a promise that settles once it is again, or once
   * `signal` aborts (the engine holds new steps on it: a step started while cut off could not be
   * reported, and would run again if the lease ends meanwhile).
   */
  holdWhileOffline(signal: AbortSignal): Promise<void> | null {
    if (this.currentState === 'ready' || this.currentState === 'stopped') return null;
    return new Promise((resolve) => {
      const done = () => {
        this.stateListeners.delete(listener);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const listener = (next: SessionState) => {
        if (next === 'ready' || next === 'stopped') done();
      };
      this.stateListeners.add(listener);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when the session reaches `state` (tests, shutdown). */
  whenState(state: SessionState): Promise<void> {
    if (this.currentState === state) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = (next: SessionState) => {
        if (next !== state) return;
        this.stateListeners.delete(listener);
        resolve();
      };
      this.stateListeners.add(listener);
    });
  }

  private connect(): void {
    if (this.currentState === 'stopped') return;
    this.setState('connecting');
    const socket = new RunnerSocket({
      url: this.server.socketUrl,
      token: this.options.token,
      log: this.options.log,
      handlers: {
        onOpen: () => this.onOpen(socket),
        onFrame: (data) => this.onFrame(socket, data),
        onClose: (info) => this.onClose(socket, info),
      },
    });
    this.socket = socket;
  }

  private onOpen(socket: RunnerSocket): void {
    if (socket !== this.socket) return;
    this.setState('handshaking');
    socket.send({
      type: 'hello',
      id: 'hello',
      protocolVersion: RUNNER_PROTOCOL_VERSION,
      runnerId: this.runnerId,
      name: this.options.name.slice(0, 200),
      capacity: this.options.capacity,
      holding: this.heldLeases(),
    });
  }

  private onFrame(socket: RunnerSocket, data: WebSocket.RawData): void {
    if (socket !== this.socket) return;
    const decoded = decodeServerMessage(data);
    if (!decoded.ok) {
      // There is no runner-to-server error frame: log and carry on.
      this.options.log.warn('ignored an invalid frame from the server', { reason: decoded.reason });
      return;
    }
    const { message } = decoded;
    if (this.currentState !== 'ready' && message.type !== 'welcome' && message.type !== 'error') {
      this.options.log.warn('ignored a frame before the handshake finished', { type: message.type });
      return;
    }
    try {
      const handler = this.handlers[message.type] as (message: RunnerServerMessage) => void;
      handler(message);
    } catch (error) {
      this.options.log.error('handling a server frame failed', { type: message.type, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private onWelcome(message: Extract<RunnerServerMessage, { type: 'welcome' }>): void {
    if (message.runnerId !== this.runnerId) this.options.log.warn('welcome names another runner id', { expected: this.runnerId, got: message.runnerId });
    this.backoff.reset();
    this.backoff.limit(Math.floor(message.leaseMs / 5));
    this.fence.setLeaseMs(message.leaseMs);
    this.setState('ready');
    this.options.log.info('connected to the server', {
      server: this.server.httpUrl,
      runnerId: this.runnerId,
      heartbeatMs: message.heartbeatMs,
      leaseMs: message.leaseMs,
    });
    this.heartbeat?.stop();
    const socket = this.socket;
    this.heartbeat = new Heartbeat({
      intervalMs: message.heartbeatMs,
      maxMissed: this.options.maxMissedHeartbeats ?? 2,
      beat: () => {
        const id = `hb${++this.beats}`;
        const leases = this.heldLeases();
        this.fence.beatSent(id, leases);
        return socket?.send({ type: 'heartbeat', id, leases }) ?? false;
      },
      onDead: (missed) => {
        this.options.log.warn('server stopped answering heartbeats; reconnecting', { missed });
        socket?.terminate();
      },
    });
    this.heartbeat.start();
    this.outbox.setOnline();
  }

  /** Completes a pending request; false when no request has that id. */
  private settle(id: string, complete: (request: PendingRequest) => void): boolean {
    const request = this.pending.get(id);
    if (!request) return false;
    this.pending.delete(id);
    complete(request);
    return true;
  }

  private onClose(socket: RunnerSocket, info: SocketCloseInfo): void {
    if (socket !== this.socket) return;
    // Answers to requests sent on this socket will not come.
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(new Error(`${p.what} failed: the connection to the server closed`)));
    this.heartbeat?.stop();
    this.outbox.setOffline();
    if (this.currentState === 'stopped') return;
    const delay = this.backoff.next();
    const server = this.server.httpUrl;
    // The next attempt goes to the next server (the same one when there is only one).
    this.serverIndex = (this.serverIndex + 1) % this.options.servers.length;
    const retry = { retryInMs: delay, ...(this.options.servers.length > 1 ? { next: this.server.httpUrl } : {}) };
    if (info.httpStatus === 401 || info.httpStatus === 403) {
      this.options.log.error("the server refused the runner token (set WEFT_RUNNER_TOKEN to the server's runner token: its <data dir>/runner-token)", {
        server,
        status: info.httpStatus,
        ...retry,
      });
    } else {
      this.options.log.warn('disconnected from the server', { server, ...info, ...retry });
    }
    this.setState('waiting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private requireEngine(): ExecutionHost {
    if (!this.engine) throw new Error('session has no engine');
    return this.engine;
  }

  private setState(state: SessionState): void {
    this.currentState = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }
}
