import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/**
 * A live client on one server's `/ws` following one topic: records when each seq past the head at
 * subscription arrived (performance.now() of this process, so two of them on two servers share a
 * clock). The replay of older events is not recorded.
 */
export type TopicArrivals = {
  arrivals: Map<number, number>;
  /** The topic's last seq when the subscription began: arrivals start after it. */
  readonly head: number;
  close(): void;
};

export function followArrivals(url: string, token: string, topic: string): Promise<TopicArrivals> {
  const arrivals = new Map<number, number>();
  let head = Number.POSITIVE_INFINITY;
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type: string; event?: { topic: string; seq: number }; topic?: string; lastSeq?: number };
    if (frame.type === 'subscribed' && frame.topic === topic) head = frame.lastSeq ?? 0;
    if (frame.type === 'event' && frame.event?.topic === topic && frame.event.seq > head) arrivals.set(frame.event.seq, performance.now());
  });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', function subscribed(data) {
      const frame = JSON.parse(String(data)) as { type: string };
      if (frame.type !== 'subscribed') return;
      ws.off('message', subscribed);
      resolve({
        arrivals,
        get head() {
          return head;
        },
        close: () => ws.close(),
      });
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 1, topic })));
  });
}
