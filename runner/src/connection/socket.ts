import type { RunnerClientMessage } from '@weft/shared';
import WebSocket from 'ws';
import type { Logger } from '../log';
import { encodeClientMessage, encodeEventsFrame } from './codec';

export type SocketCloseInfo = { code: number; reason: string; httpStatus?: number; error?: string };

export type SocketHandlers = {
  onOpen(): void;
  /** Raw frame data; decoding is the session's job. */
  onFrame(data: WebSocket.RawData): void;
  /** Called exactly once per socket, whether it opened or not. */
  onClose(info: SocketCloseInfo): void;
};

/**
 * One WebSocket connection to `/ws/runner`, authenticated with `Authorization: Bearer`. It does not
 * reconnect by itself: the session owns that decision. Every outgoing frame is validated first.
 */
export class RunnerSocket {
  private readonly ws: WebSocket;
  private closed = false;
  private httpStatus: number | undefined;
  private lastError: string | undefined;
  private readonly log: Logger;
  private readonly handlers: SocketHandlers;

  constructor({ url, token, handlers, log }: { url: string; token: string; handlers: SocketHandlers; log: Logger }) {
    this.log = log;
    this.handlers = handlers;
    // Incoming frames keep the library's 100 MiB ceiling: a grant carries the outputs of finished steps.
    this.ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, handshakeTimeout: 10_000 });
    // Listeners go on before anything can fire.
    this.ws.on('open', () => this.handlers.onOpen());
    this.ws.on('message', (data) => this.handlers.onFrame(data));
    this.ws.on('unexpected-response', (_req, res) => {
      this.httpStatus = res.statusCode;
      res.resume();
      this.ws.terminate();
    });
    this.ws.on('error', (error) => {
      // `close` always follows and reports the cause.
      this.lastError = error.message;
    });
    this.ws.on('close', (code, reason) => this.finish(code, reason.toString('utf8')));
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Sends a validated frame. Returns false when it was not sent (socket not open, or the frame is invalid).
   * `eventTexts`: an events frame's events, already JSON (see `encodeEventsFrame`).
   */
  send(message: RunnerClientMessage, eventTexts?: readonly string[]): boolean {
    if (!this.isOpen) return false;
    let text: string;
    try {
      text = eventTexts && message.type === 'events' ? encodeEventsFrame(message, eventTexts) : encodeClientMessage(message);
    } catch (error) {
      this.log.error('dropped an invalid outgoing frame', { error: (error as Error).message });
      return false;
    }
    this.corkForThisRun();
    this.ws.send(text, this.onSent);
    return true;
  }

  private readonly onSent = (error?: Error) => {
    if (error) this.log.warn('runner socket send failed', { error: error.message });
  };

  private corked = false;

  /**
   * Frames sent in one synchronous run (an outbox flush: one per execution) leave in one write
   * instead of a syscall each: the TCP socket is corked at the first and uncorked after the run.
   * ws has no cork of its own; `_socket` is its net.Socket.
   */
  private corkForThisRun(): void {
    if (this.corked) return;
    const tcp = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!tcp) return;
    this.corked = true;
    tcp.cork();
    queueMicrotask(() => {
      this.corked = false;
      tcp.uncork();
    });
  }

  /** Closes (or abandons a connecting socket); `onClose` still fires once. */
  close(code = 1000, reason = 'runner closing'): void {
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
  }

  /** Drops the connection without a closing handshake (a dead peer will not answer one). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Resolves once everything queued on the socket has been handed to the kernel. */
  async flushed(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.isOpen && this.ws.bufferedAmount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private finish(code: number, reason: string) {
    if (this.closed) return;
    this.closed = true;
    const info: SocketCloseInfo = { code, reason };
    if (this.httpStatus !== undefined) info.httpStatus = this.httpStatus;
    else if (this.lastError !== undefined) info.error = this.lastError;
    this.handlers.onClose(info);
  }
}
