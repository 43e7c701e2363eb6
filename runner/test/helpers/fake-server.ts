import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeRunnerClientFrame, RunnerServerMessage, type RunnerClientMessage, type RunnerEvent, type RunnerToolInfo } from '@weft/shared';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerAddress } from '../../src/connection/server-addresses';
import { sendJson, type RecordedRequest } from './http-server';

export type FakeConnection = {
  ws: WebSocket;
  authorization: string | undefined;
  frames: RunnerClientMessage[];
  send(message: RunnerServerMessage | string): void;
};

/** The frame as JSON, once the schema the runner decodes with accepts it: the fake may not send what the gateway could not. */
function checkedFrame(message: RunnerServerMessage): string {
  RunnerServerMessage.parse(message);
  return JSON.stringify(message);
}

export type FakeServerOptions = {
  token?: string;
  heartbeatMs?: number;
  /** `welcome.leaseMs` (default 15 s). */
  leaseMs?: number;
  /** Answer `hello` with `welcome` (default true). */
  welcome?: boolean;
  /** Store and acknowledge `events` like the real server (default true). */
  ingest?: boolean;
  /** Answer heartbeats with `heartbeat_ack { lost: [] }` (default true). */
  heartbeatAcks?: boolean;
  /** Close every socket right after it opens. */
  refuse?: boolean;
  /** What `tools_list` is answered with; `'error'` answers an error frame, `'silent'` nothing. */
  tools?: RunnerToolInfo[] | 'error' | 'silent';
  /** The socket's frame limit; the real server's is 16 MiB (server/src/app.ts), the default here is ws's. */
  maxPayload?: number;
  /** Answers HTTP requests on the same port (the runner's tool calls, asks, git credentials); default 404. */
  http?: (req: RecordedRequest, res: http.ServerResponse) => void;
  /**
   * Where events are stored: pass another fake's `stored` to stand for servers sharing one
   * database (the gap rule and idempotency then span both). Default: a store of its own.
   */
  stored?: Map<string, RunnerEvent[]>;
  /**
   * From the first event this matches on, events are received but neither stored nor acknowledged
   * (a server whose database stopped answering, about to die); those before it in a frame are.
   */
  stallAt?: (event: RunnerEvent) => boolean;
};

/** An HTTP handler answering every request `{ result: { answeredBy: name } }` (a tool call's answer), so a test sees which server answered. */
export function answeringAs(name: string): NonNullable<FakeServerOptions['http']> {
  return (_req, res) => sendJson(res, 200, { result: { answeredBy: name } });
}

/**
 * A tiny stand-in for the server side of `/ws/runner` on 127.0.0.1:0. It reads the runner's frames
 * with the gateway's own decoder (`decodeRunnerClientFrame`, answering a bad one as the gateway
 * does), checks every frame it sends against the schema the runner decodes with, answers the
 * handshake, and stores events idempotently by (executionId, attempt, seq) with the real server's
 * gap rule. A string passed to `send` goes out as it is, for tests of malformed frames.
 */
export class FakeRunnerServer {
  readonly connections: FakeConnection[] = [];
  readonly invalidFrames: string[] = [];
  /** Events applied once each, per `attempt#executionId` (shared with other fakes when `options.stored` was given). */
  readonly stored: Map<string, RunnerEvent[]>;
  /** Frames with these seqs are dropped unacknowledged, as if lost, the first time they arrive. */
  readonly loseOnce = new Set<number>();
  /** Every HTTP request this fake answered, in arrival order. */
  readonly httpRequests: RecordedRequest[] = [];
  options: Required<Omit<FakeServerOptions, 'stored' | 'stallAt'>> & Pick<FakeServerOptions, 'stallAt'>;
  private stalled = false;
  private readonly wss: WebSocketServer;
  private readonly httpServer: http.Server;
  /** Kept from the start: the URLs still name this server once it is closed. */
  private readonly listenPort: number;

  private constructor(httpServer: http.Server, wss: WebSocketServer, options: FakeServerOptions) {
    this.httpServer = httpServer;
    this.listenPort = (httpServer.address() as AddressInfo).port;
    this.wss = wss;
    this.stored = options.stored ?? new Map();
    this.options = {
      token: 'test-token-0123456789',
      heartbeatMs: 60_000,
      leaseMs: 15_000,
      welcome: true,
      ingest: true,
      heartbeatAcks: true,
      refuse: false,
      tools: [],
      maxPayload: 100 * 1024 * 1024,
      http: (_req, res) => sendJson(res, 404, { error: { code: 'not_found', message: 'no such route' } }),
      ...options,
    };
    wss.on('connection', (ws, req) => this.onConnection(ws, req.headers.authorization));
    httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.httpRequests.push(recorded);
        this.options.http(recorded, res);
      });
    });
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeRunnerServer> {
    const token = options.token ?? 'test-token-0123456789';
    const httpServer = http.createServer();
    const wss = new WebSocketServer({
      server: httpServer,
      path: '/ws/runner',
      ...(options.maxPayload === undefined ? {} : { maxPayload: options.maxPayload }),
      verifyClient: (info, done) => (info.req.headers.authorization === `Bearer ${token}` ? done(true) : done(false, 401, 'Unauthorized')),
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    return new FakeRunnerServer(httpServer, wss, { ...options, token });
  }

  /** The socket URL, `ws://127.0.0.1:<port>/ws/runner`. */
  get url(): string {
    return `ws://127.0.0.1:${this.listenPort}/ws/runner`;
  }

  /** `http://127.0.0.1:<port>`: what WEFT_SERVER_URL names, and where the runner's HTTP calls go. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.listenPort}`;
  }

  /** This fake as a runner session's server. */
  get address(): ServerAddress {
    return { socketUrl: this.url, httpUrl: this.httpUrl };
  }

  get latest(): FakeConnection | undefined {
    return this.connections[this.connections.length - 1];
  }

  /** Every frame of a type, across connections, in arrival order. */
  framesOf<T extends RunnerClientMessage['type']>(type: T): Extract<RunnerClientMessage, { type: T }>[] {
    return this.connections.flatMap((c) => c.frames).filter((f): f is Extract<RunnerClientMessage, { type: T }> => f.type === type);
  }

  storedFor(executionId: string, attempt = 1): RunnerEvent[] {
    return this.stored.get(`${attempt}#${executionId}`) ?? [];
  }

  /** Drops every connection without a closing handshake. */
  dropAll(): void {
    for (const connection of this.connections) connection.ws.terminate();
  }

  /** Stops as a killed server would: every socket dropped, every HTTP connection cut, the port closed. Idempotent. */
  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (!this.httpServer.listening) return;
    this.httpServer.closeAllConnections();
    await new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, authorization: string | undefined): void {
    const connection: FakeConnection = {
      ws,
      authorization,
      frames: [],
      send: (message) => ws.send(typeof message === 'string' ? message : checkedFrame(message)),
    };
    this.connections.push(connection);
    if (this.options.refuse) {
      ws.close(1013, 'try again later');
      return;
    }
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : (data as Buffer).toString('utf8');
      const decoded = decodeRunnerClientFrame(text);
      if (!decoded.ok) {
        this.invalidFrames.push(text ?? '(binary)');
        connection.send(decoded.reply);
        return;
      }
      connection.frames.push(decoded.message);
      this.answer(connection, decoded.message);
    });
  }

  private answer(connection: FakeConnection, frame: RunnerClientMessage): void {
    switch (frame.type) {
      case 'hello':
        if (this.options.welcome) {
          connection.send({
            type: 'welcome',
            id: frame.id ?? 'hello',
            runnerId: frame.runnerId,
            heartbeatMs: this.options.heartbeatMs,
            leaseMs: this.options.leaseMs,
          });
        }
        return;
      case 'heartbeat':
        if (this.options.heartbeatAcks) connection.send({ type: 'heartbeat_ack', id: frame.id ?? 'hb', lost: [] });
        return;
      case 'events':
        if (this.options.ingest) this.ingest(connection, frame);
        return;
      case 'tools_list': {
        const tools = this.options.tools;
        if (tools === 'silent') return;
        if (tools === 'error') connection.send({ type: 'error', id: frame.id, code: 'internal', message: 'the server could not process this frame' });
        else connection.send({ type: 'tools', id: frame.id, tools });
        return;
      }
      case 'notify':
        // No chat sessions here: the message would go to the inbox (or the named channel).
        connection.send({ type: 'notified', id: frame.id, delivered: [frame.channel ?? 'inbox'] });
        return;
      default: {
        const unexpected: never = frame;
        throw new Error(`unexpected frame ${JSON.stringify(unexpected)}`);
      }
    }
  }

  private ingest(connection: FakeConnection, frame: Extract<RunnerClientMessage, { type: 'events' }>): void {
    const first = frame.events[0]?.seq ?? 0;
    if (this.loseOnce.delete(first)) return;
    const key = `${frame.attempt}#${frame.executionId}`;
    const stored = this.stored.get(key) ?? [];
    this.stored.set(key, stored);
    let last = stored.length === 0 ? 0 : stored[stored.length - 1]!.seq;
    const before = last;
    for (const event of frame.events) {
      if (!this.stalled && this.options.stallAt?.(event)) this.stalled = true;
      if (this.stalled) {
        if (last > before) connection.send({ type: 'ack', id: frame.id ?? 'ev', executionId: frame.executionId, attempt: frame.attempt, seq: last });
        return;
      }
      if (event.seq <= last) continue;
      if (event.seq !== last + 1) {
        connection.send({ type: 'ack', executionId: frame.executionId, attempt: frame.attempt, seq: last });
        connection.send({
          type: 'reject',
          executionId: frame.executionId,
          attempt: frame.attempt,
          code: 'seq_gap',
          message: `expected seq ${last + 1}, got ${event.seq}`,
        });
        return;
      }
      stored.push(event);
      last = event.seq;
    }
    connection.send({ type: 'ack', id: frame.id ?? 'ev', executionId: frame.executionId, attempt: frame.attempt, seq: last });
  }
}
