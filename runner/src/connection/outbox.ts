import { RunnerEventBody, type RunnerClientMessage, type RunnerEvent } from '@weft/shared';
import type { EventSink, LeaseRef } from '../engine/types';
import type { Logger } from '../log';
import { MAX_EVENT_BYTES, replacementFor } from './oversize';

type EventsFrame = Extract<RunnerClientMessage, { type: 'events' }>;

/** `text`: the event as JSON, written once: it sizes frames and goes into them as it is. */
type Pending = { event: RunnerEvent; text: string; bytes: number };

type Stream = {
  lease: LeaseRef;
  nextSeq: number;
  /** Highest seq the server acknowledged. */
  acked: number;
  /** Highest seq sent on the current connection. */
  sent: number;
  /** Unacknowledged events, in seq order, with their size as JSON. */
  pending: Pending[];
  /** The execution will push nothing more under this lease; the stream ends once all is acked. */
  closed: boolean;
  /** seq_gap rejects since the last ack that moved forward (guards against a resend loop). */
  gapResends: number;
  /** `whenAcked` callers: settled with true once `acked` reaches `seq`, with false if the lease is dropped. */
  ackWaiters: AckWaiter[];
};

type AckWaiter = { seq: number; settle: (acked: boolean) => void };

export type OutboxOptions = {
  /** `eventTexts`: `frame.events` as JSON, one string each, in order (the frame need not serialise them again). */
  send(frame: EventsFrame, eventTexts: readonly string[]): boolean;
  /** The server refused a lease's events for good (`stale_lease`, `execution_finished`): stop that execution. */
  onLeaseLost(lease: LeaseRef, reason: string): void;
  log: Logger;
  /** Runs the flush after the current tick; injectable for tests. */
  schedule?: (flush: () => void) => void;
  maxEventsPerFrame?: number;
  maxFrameBytes?: number;
  /** After `reject { code: "storage_unavailable" }`: how long before the events go out again. */
  storageRetryMs?: number;
  /** Most bytes one event may take (see oversize.ts); injectable for tests. */
  maxEventBytes?: number;
};

export const MAX_EVENTS_PER_FRAME = 500;
/** A frame grows past this only when a single event is larger (see PROTOCOL.md, frame sizes). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
const MAX_GAP_RESENDS = 3;
export const STORAGE_RETRY_MS = 1_000;
const MAX_REMEMBERED_DEAD = 10_000;
// `approval_refused`: the batch reported an approval gate as passed, which only the server decides; sent again it would be refused again.
const FATAL_REJECTS: ReadonlySet<string> = new Set(['stale_lease', 'execution_finished', 'unknown_execution', 'approval_refused']);

const keyOf = (lease: LeaseRef) => `${lease.attempt}#${lease.executionId}`;

/**
 * Numbers, batches and delivers events per (executionId, attempt), and keeps each one until the
 * server acknowledges it. Events pushed in the same tick leave together in one `events` frame.
 * After a reconnect or a `seq_gap` everything unacknowledged is sent again, in order; the server
 * stores by seq idempotently, so a resend is never applied twice.
 */
export class Outbox implements EventSink {
  private readonly streams = new Map<string, Stream>();
  /** Leases the server refused: late events from their executions are dropped, never renumbered. */
  private readonly dead = new Set<string>();
  private online = false;
  private flushScheduled = false;
  private frameCounter = 0;
  private readonly drainWaiters = new Set<() => void>();
  private readonly schedule: (flush: () => void) => void;
  private readonly maxPerFrame: number;
  private readonly maxFrameBytes: number;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: OutboxOptions) {
    this.schedule = options.schedule ?? ((flush) => setImmediate(flush));
    this.maxPerFrame = options.maxEventsPerFrame ?? MAX_EVENTS_PER_FRAME;
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  }

  emit(lease: LeaseRef, body: RunnerEventBody): void {
    const key = keyOf(lease);
    if (this.dead.has(key)) return;
    const checked = RunnerEventBody.safeParse(body);
    if (!checked.success) {
      // A runner bug; sending it would only get the whole frame refused.
      this.options.log.error('dropped an invalid runner event', {
        executionId: lease.executionId,
        type: body.type,
        issues: checked.error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')
          .slice(0, 500),
      });
      return;
    }
    let stream = this.streams.get(key);
    if (!stream) {
      stream = {
        lease: { executionId: lease.executionId, attempt: lease.attempt },
        nextSeq: 1,
        acked: 0,
        sent: 0,
        pending: [],
        closed: false,
        gapResends: 0,
        ackWaiters: [],
      };
      this.streams.set(key, stream);
    }
    if (stream.closed) {
      this.options.log.warn('event after the execution ended was dropped', { executionId: lease.executionId, type: body.type });
      return;
    }
    const limit = this.options.maxEventBytes ?? MAX_EVENT_BYTES;
    let event = { ...body, seq: stream.nextSeq } as RunnerEvent;
    let text = JSON.stringify(event);
    let bytes = Buffer.byteLength(text);
    if (bytes > limit) {
      // The server would close the socket on it, and every reconnect would resend it: never send it.
      const replacement = replacementFor(body, bytes, limit);
      this.options.log.warn(replacement ? 'an event too large to send was replaced' : 'an event too large to send was dropped', {
        executionId: lease.executionId,
        type: body.type,
        bytes,
        limit,
        ...(replacement ? { replacedBy: replacement.type } : {}),
      });
      if (!replacement) return;
      event = { ...replacement, seq: stream.nextSeq } as RunnerEvent;
      text = JSON.stringify(event);
      bytes = Buffer.byteLength(text);
    }
    stream.nextSeq++;
    stream.pending.push({ event, text, bytes });
    this.requestFlush();
  }

  /** The execution under this lease is done locally; the stream is forgotten once the server has it all. */
  close(lease: LeaseRef): void {
    const stream = this.streams.get(keyOf(lease));
    if (!stream) return;
    stream.closed = true;
    this.forgetIfDone(stream);
  }

  ack({ executionId, attempt, seq }: { executionId: string; attempt: number; seq: number }): void {
    const stream = this.streams.get(keyOf({ executionId, attempt }));
    if (!stream) return;
    if (seq > stream.acked) {
      stream.acked = seq;
      stream.gapResends = 0;
      const firstKept = stream.pending.findIndex(({ event }) => event.seq > seq);
      stream.pending = firstKept === -1 ? [] : stream.pending.slice(firstKept);
      // The server may acknowledge beyond what this connection sent (a resend it already had).
      stream.sent = Math.max(stream.sent, seq);
      const reached = stream.ackWaiters.filter((waiter) => waiter.seq <= seq);
      if (reached.length > 0) {
        stream.ackWaiters = stream.ackWaiters.filter((waiter) => waiter.seq > seq);
        for (const waiter of reached) waiter.settle(true);
      }
    }
    this.forgetIfDone(stream);
  }

  reject({ executionId, attempt, code, message }: { executionId: string; attempt: number; code: string; message: string }): void {
    const lease = { executionId, attempt };
    const stream = this.streams.get(keyOf(lease));
    if (code === 'seq_gap') {
      if (!stream || stream.pending.length === 0) return;
      if (++stream.gapResends > MAX_GAP_RESENDS) {
        this.options.log.error('server keeps reporting a seq gap; waiting for a reconnect before resending', { executionId, attempt, acked: stream.acked });
        return;
      }
      this.options.log.warn('server reported a seq gap; resending unacknowledged events', { executionId, attempt, from: stream.pending[0]?.event.seq });
      stream.sent = stream.acked;
      this.requestFlush();
      return;
    }
    if (code === 'storage_unavailable') {
      // The server could not commit them (disk full, I/O error): nothing of the frame was stored.
      // Resend everything unacknowledged, a little later, until it is acknowledged.
      if (!stream || stream.pending.length === 0) return;
      this.options.log.warn('server could not store events; resending them shortly', { executionId, attempt, from: stream.pending[0]?.event.seq, message });
      stream.sent = stream.acked;
      this.retryLater();
      return;
    }
    if (FATAL_REJECTS.has(code)) {
      this.options.log.warn('server refused events for this lease; stopping the execution', { executionId, attempt, code, message });
      this.drop(lease);
      this.options.onLeaseLost(lease, `${code}: ${message}`);
      return;
    }
    // Unknown codes: keep the events; they go out again with the next batch or after a reconnect.
    this.options.log.warn('server rejected events', { executionId, attempt, code, message });
    if (stream) stream.sent = stream.acked;
  }

  /** Forgets a lease's events (lost lease); anything it emits later is dropped. */
  drop(lease: LeaseRef): void {
    const key = keyOf(lease);
    for (const waiter of this.streams.get(key)?.ackWaiters.splice(0) ?? []) waiter.settle(false);
    this.streams.delete(key);
    this.dead.add(key);
    if (this.dead.size > MAX_REMEMBERED_DEAD) {
      const oldest = this.dead.values().next();
      if (!oldest.done) this.dead.delete(oldest.value);
    }
    this.notifyIfDrained();
  }

  /** The connection is ready (welcome received): send everything unacknowledged, in order. */
  setOnline(): void {
    this.online = true;
    for (const stream of this.streams.values()) {
      stream.sent = stream.acked;
      stream.gapResends = 0;
    }
    this.flush();
  }

  setOffline(): void {
    this.online = false;
  }

  /** Stops the resend timer (the session is stopping). */
  dispose(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private retryLater(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, this.options.storageRetryMs ?? STORAGE_RETRY_MS);
    this.retryTimer.unref?.();
  }

  /** Leases with events still to deliver or an execution still pushing. */
  leases(): LeaseRef[] {
    return [...this.streams.values()].map((stream) => stream.lease);
  }

  get unacknowledged(): number {
    let count = 0;
    for (const stream of this.streams.values()) count += stream.pending.length;
    return count;
  }

  /** Resolves when no event waits for an acknowledgement, or after `timeoutMs`. */
  whenDrained(timeoutMs: number): Promise<boolean> {
    if (this.unacknowledged === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.drainWaiters.delete(onDrain);
        resolve(drained);
      };
      const onDrain = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.drainWaiters.add(onDrain);
    });
  }

  /**
   * Resolves true once the server has acknowledged every event this lease emitted so far (at once
   * when it has them all), which it does only after storing them: a request that depends on what
   * they report (a step running, for the git credential) is then answered from that state. False
   * when the lease is dropped (those events will never be acknowledged); rejects with the signal's
   * reason when `signal` aborts first.
   */
  whenAcked(lease: LeaseRef, signal?: AbortSignal): Promise<boolean> {
    const key = keyOf(lease);
    if (this.dead.has(key)) return Promise.resolve(false);
    const stream = this.streams.get(key);
    const seq = stream ? stream.nextSeq - 1 : 0;
    if (!stream || stream.acked >= seq) return Promise.resolve(true);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: AckWaiter = {
        seq,
        settle: (acked) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(acked);
        },
      };
      const onAbort = () => {
        stream.ackWaiters = stream.ackWaiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.ackWaiters.push(waiter);
    });
  }

  /** Sends whatever is pending now instead of on the next tick. */
  flush(): void {
    this.flushScheduled = false;
    if (!this.online) return;
    for (const stream of this.streams.values()) {
      let unsent = stream.pending.filter(({ event }) => event.seq > stream.sent);
      while (unsent.length > 0) {
        const batch = this.takeBatch(unsent);
        const frame: EventsFrame = {
          type: 'events',
          id: `f${++this.frameCounter}`,
          executionId: stream.lease.executionId,
          attempt: stream.lease.attempt,
          events: batch.map((p) => p.event),
        };
        if (
          !this.options.send(
            frame,
            batch.map((p) => p.text),
          )
        ) {
          // The socket went away; `setOnline` resends after the next handshake.
          this.online = false;
          return;
        }
        stream.sent = batch[batch.length - 1]!.event.seq;
        unsent = unsent.slice(batch.length);
      }
    }
  }

  /** The longest prefix within the count and byte limits; always at least one event. */
  private takeBatch(unsent: readonly Pending[]): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    for (const pending of unsent) {
      if (batch.length >= this.maxPerFrame || (batch.length > 0 && bytes + pending.bytes > this.maxFrameBytes)) break;
      batch.push(pending);
      bytes += pending.bytes;
    }
    return batch;
  }

  private requestFlush(): void {
    if (this.flushScheduled || !this.online) return;
    this.flushScheduled = true;
    this.schedule(() => this.flush());
  }

  private forgetIfDone(stream: Stream): void {
    if (stream.pending.length === 0) {
      if (stream.closed) this.streams.delete(keyOf(stream.lease));
      this.notifyIfDrained();
    }
  }

  private notifyIfDrained(): void {
    if (this.unacknowledged > 0) return;
    for (const waiter of [...this.drainWaiters]) waiter();
  }
}
