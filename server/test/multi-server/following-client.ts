import WebSocket from 'ws';

/**
 * A browser's live connection as the web client keeps it: follows topics on `/ws`; when the socket
 * closes it connects to the next server of its list (a load balancer's pick after a server died)
 * and subscribes again to each topic `after` the last seq it saw. Records every event's seq per
 * topic and each server it was connected to.
 */
export type FollowingClient = {
  /** Seqs received per topic, in arrival order (duplicates kept: the test checks there are none). */
  seqs: Map<string, number[]>;
  /** The server URL of each connection, in order. */
  connections: string[];
  follow(topic: string): void;
  close(): void;
};

/** `headers` go with every connection (a browser's Host and Origin through a proxy). */
export async function followTopics(urls: string[], token: string, topics: string[] = [], headers: Record<string, string> = {}): Promise<FollowingClient> {
  const seqs = new Map<string, number[]>(topics.map((t) => [t, []]));
  const connections: string[] = [];
  let closed = false;
  let socket: WebSocket | null = null;
  let at = 0;

  const subscribe = (ws: WebSocket, topic: string) => {
    const after = seqs.get(topic)!.at(-1) ?? 0;
    ws.send(JSON.stringify({ type: 'subscribe', id: topic, topic, after }));
  };

  const connect = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const url = urls[at % urls.length]!;
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}`, ...headers } });
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        if (frame.type === 'event') seqs.get(frame.event.topic)?.push(frame.event.seq);
      });
      let opened = false;
      ws.once('open', () => {
        opened = true;
        socket = ws;
        connections.push(url);
        for (const topic of seqs.keys()) subscribe(ws, topic);
        resolve();
      });
      ws.on('error', reject);
      ws.once('close', () => {
        if (socket === ws) socket = null;
        // Only a socket that was open reconnects: a failed attempt is retried by `reconnect` itself.
        if (!closed && opened) void reconnect();
      });
    });

  const reconnect = async () => {
    for (let attempt = 0; !closed; attempt++) {
      at++;
      try {
        await connect();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  };

  await connect();
  return {
    seqs,
    connections,
    follow(topic) {
      if (seqs.has(topic)) return;
      seqs.set(topic, []);
      if (socket) subscribe(socket, topic);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}

/** Problems with one topic's received seqs against the database's: a gap, a duplicate, a reorder, or missing the end. */
export function seqProblems(received: number[], stored: number[]): string | null {
  if (JSON.stringify(received) === JSON.stringify(stored)) return null;
  const seen = new Set<number>();
  const dup = received.find((s) => seen.size === seen.add(s).size);
  if (dup !== undefined) return `seq ${dup} received twice`;
  for (let i = 1; i < received.length; i++) if (received[i]! < received[i - 1]!) return `seq ${received[i]} after ${received[i - 1]}`;
  const missing = stored.filter((s) => !seen.has(s));
  return `missing ${missing.length} of ${stored.length} (first ${missing.slice(0, 5).join(', ')}); last received ${received.at(-1)}, last stored ${stored.at(-1)}`;
}
