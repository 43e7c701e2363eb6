import type { LeaseGrant } from '@weft/shared';
import WebSocket from 'ws';
import { waitUntil } from './live-client';

/** A hand-driven runner speaking the protocol over a real socket: lets tests play zombie, resend, gap. */
export type FakeRunner = {
  ws: WebSocket;
  runnerId: string;
  frames: any[];
  grants: LeaseGrant[];
  send(msg: unknown): void;
  waitFor(pred: (f: any) => boolean, timeoutMs?: number): Promise<any>;
  events(grant: { executionId: string; attempt: number }, events: unknown[], id?: string | number): Promise<any>;
  close(): void;
};

/** `heartbeat: false` plays a runner that went silent (a zombie): it gets no new work and loses its leases. */
export async function connectFakeRunner(
  baseUrl: string,
  token: string,
  { capacity = 1, runnerId = `fake-${Math.random().toString(36).slice(2)}`, heartbeat = true } = {},
): Promise<FakeRunner> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/runner`, { headers: { authorization: `Bearer ${token}` } });
  const frames: any[] = [];
  const grants: LeaseGrant[] = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d));
    frames.push(f);
    if (f.type === 'lease') grants.push(f.grant);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let n = 0;
  const runner: FakeRunner = {
    ws,
    runnerId,
    frames,
    grants,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    async waitFor(pred, timeoutMs = 10_000) {
      let hit: any;
      await waitUntil(
        () => {
          hit = frames.find(pred);
          return hit !== undefined;
        },
        timeoutMs,
        'runner frame',
      );
      return hit;
    },
    async events(grant, events, id = `e${++n}`) {
      runner.send({ type: 'events', id, executionId: grant.executionId, attempt: grant.attempt, events });
      return runner.waitFor((f) => (f.type === 'ack' || f.type === 'reject' || f.type === 'error') && f.id === id);
    },
    close: () => {
      clearInterval(beat);
      ws.close();
    },
  };
  // Liveness only: it renews no lease, so tests decide lease lifetimes themselves.
  const beat = setInterval(() => {
    if (heartbeat && ws.readyState === ws.OPEN) runner.send({ type: 'heartbeat', leases: [] });
  }, 150);
  ws.on('close', () => clearInterval(beat));
  runner.send({ type: 'hello', id: 'h', protocolVersion: 1, runnerId, name: 'fake', capacity, holding: [] });
  await runner.waitFor((f) => f.type === 'welcome');
  return runner;
}
