import WebSocket from 'ws';

export type LiveClient = {
  ws: WebSocket;
  frames: any[];
  send(msg: unknown): void;
  waitFor<T = any>(pred: (frame: any) => boolean, timeoutMs?: number): Promise<T>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
};

/** A real `ws` client on /ws that records every frame. */
export function connectLive(
  baseUrl: string,
  { token, headers = {}, options = {} }: { token?: string; headers?: Record<string, string>; options?: WebSocket.ClientOptions } = {},
): Promise<LiveClient> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...options,
  });
  const frames: any[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { statusCode: res.statusCode })));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        closed,
        send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
        close: () => ws.close(),
        waitFor(pred, timeoutMs = 10_000) {
          return new Promise((res, rej) => {
            const check = () => {
              const hit = frames.find(pred);
              if (hit !== undefined) {
                waiters.delete(check);
                clearTimeout(timer);
                res(hit);
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rej(new Error(`timed out waiting for frame; got ${JSON.stringify(frames.slice(-5))}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
      }),
    );
  });
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A socket per person (`people`: name → token holder), each following `topics` from the topic's
 * head now (`lastSeq`), once every subscription is confirmed.
 */
export async function followEach(
  s: { url: string; app: { journal: { lastSeq(topic: string): number } } },
  people: Record<string, { token: string }>,
  topics: string[],
): Promise<Record<string, LiveClient>> {
  const sockets: Record<string, LiveClient> = {};
  for (const [name, p] of Object.entries(people)) {
    const c = await connectLive(s.url, { token: p.token });
    for (const topic of topics) c.send({ type: 'subscribe', id: topic, topic, after: s.app.journal.lastSeq(topic) });
    for (const topic of topics) await c.waitFor((f) => f.type === 'subscribed' && f.id === topic);
    sockets[name] = c;
  }
  return sockets;
}
