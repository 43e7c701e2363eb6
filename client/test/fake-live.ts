import type { JournalEventEnvelope, LiveClientMessage, LiveServerMessage } from '@weft/shared';
import { vi } from 'vitest';
import { resetLiveSocket } from '../src/api/live-socket';

/**
 * A stand-in for the server's `/ws`: a journal per topic, `subscribe` replays after `after` then
 * forwards appends, like the real socket. Installs itself as the global `WebSocket`; every socket
 * the app opens connects to this one journal. `drop()` closes them all (e.g. with 4008).
 */
export type FakeLive = {
  append(topic: string, type: string, data: unknown): JournalEventEnvelope;
  /** Every frame clients sent, parsed. */
  sent: LiveClientMessage[];
  sockets: FakeSocket[];
  drop(code?: number): void;
  /** Whether some open socket is subscribed to `topic`. */
  isSubscribed(topic: string): boolean;
  lastSeq(topic: string): number;
};

class FakeSocket {
  readyState = 0;
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  readonly subscriptions = new Map<string, number>();
  constructor(
    readonly url: string,
    private readonly server: Server,
  ) {
    queueMicrotask(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.(new Event('open'));
      this.deliver({ type: 'hello', version: 1 });
    });
  }
  deliver(frame: LiveServerMessage) {
    if (this.readyState !== 1) return;
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(frame) }));
  }
  send(raw: string) {
    const frame = JSON.parse(raw) as LiveClientMessage;
    this.server.sent.push(frame);
    if (frame.type === 'subscribe') {
      const after = frame.after ?? 0;
      this.subscriptions.set(frame.topic, after);
      const events = this.server.journal.get(frame.topic) ?? [];
      this.deliver({ type: 'subscribed', id: frame.id, topic: frame.topic, lastSeq: events.length });
      for (const event of events.slice(after)) {
        this.deliver({ type: 'event', event });
        this.subscriptions.set(frame.topic, event.seq);
      }
    } else if (frame.type === 'unsubscribe') {
      this.subscriptions.delete(frame.topic);
    } else if (frame.type === 'ping') {
      this.deliver({ type: 'pong', id: frame.id });
    }
  }
  close(code = 1000) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

type Server = { journal: Map<string, JournalEventEnvelope[]>; sent: LiveClientMessage[] };

export function installFakeLive(): FakeLive {
  const server: Server = { journal: new Map(), sent: [] };
  const sockets: FakeSocket[] = [];
  class Bound extends FakeSocket {
    constructor(url: string) {
      super(url, server);
      sockets.push(this);
    }
  }
  vi.stubGlobal('WebSocket', Bound);
  resetLiveSocket();
  return {
    sent: server.sent,
    sockets,
    append(topic, type, data) {
      let events = server.journal.get(topic);
      if (events === undefined) {
        events = [];
        server.journal.set(topic, events);
      }
      const event: JournalEventEnvelope = { topic, seq: events.length + 1, type, at: new Date().toISOString(), data };
      events.push(event);
      for (const socket of sockets) {
        if (socket.readyState !== 1 || !socket.subscriptions.has(topic)) continue;
        socket.subscriptions.set(topic, event.seq);
        socket.deliver({ type: 'event', event });
      }
      return event;
    },
    drop(code = 1006) {
      for (const socket of sockets) socket.close(code);
    },
    isSubscribed: (topic) => sockets.some((s) => s.readyState === 1 && s.subscriptions.has(topic)),
    lastSeq: (topic) => server.journal.get(topic)?.length ?? 0,
  };
}
