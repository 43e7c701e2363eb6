import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, sleep, startBenchServer } from './lib/weft';

export const title = 'Journal: publish -> receipt in 50 WebSocket clients';

const CLIENTS = 50;
const RATE = 2000; // events per second
const TICK_MS = 5;

/**
 * The server runs in this process (so events can be published straight into the journal, each in
 * a committed transaction as real state changes are); the 50 clients run in a separate process.
 */
export async function run() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 30);
  const server = await startBenchServer();
  const topic = 'approvals';
  const total = RATE * seconds;
  const base = server.app.services.journal.lastSeq(topic);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/ws-clients.ts'), server.url, server.token, topic, String(CLIENTS), String(total)], {
    env: { ...process.env, BENCH_AFTER: String(base) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  while (!out.includes('READY')) await sleep(20);
  const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
  const rssStart = rss();
  let rssPeak = rssStart;
  const perTick = (RATE * TICK_MS) / 1000;
  let sent = 0;
  const started = Date.now();
  const { journal } = server.app.services;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE) + perTick);
    if (due > sent) {
      journal.transaction(() => {
        for (; sent < due; sent++) journal.append(topic, 'approval.requested', { n: sent, sentAt: Date.now() });
      });
    }
    rssPeak = Math.max(rssPeak, rss());
    await sleep(TICK_MS);
  }
  const elapsed = (Date.now() - started) / 1000;
  const result = await new Promise<Record<string, unknown>>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
    child.on('exit', () => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      resolve(line ? (JSON.parse(line) as Record<string, unknown>) : { error: 'no result from clients' });
    });
  });
  const rssEnd = rss();
  await server.close();
  return {
    clients: CLIENTS,
    eventsPerSecondTarget: RATE,
    eventsSent: sent,
    achievedRate: Math.round(sent / elapsed),
    seconds,
    latencyMs: { p50: result.p50, p99: result.p99, max: result.max, samples: result.samples },
    receivedPerClient: { min: result.minReceived, max: result.maxReceived, expected: total },
    serverRssMiB: { start: rssStart, end: rssEnd, peak: rssPeak },
  };
}

export function markdown(r: Record<string, any>) {
  return `Server in the bench process (publishing committed journal transactions every ${TICK_MS} ms, synchronous=FULL); ${r.clients} real WebSocket clients in a separate process, latency sampled on every fifth client.

| events/s | seconds | sent | received per client (min/max) | p50 | p99 | max | server RSS start → end (peak) |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${r.achievedRate} | ${r.seconds} | ${r.eventsSent} | ${r.receivedPerClient.min} / ${r.receivedPerClient.max} | ${r.latencyMs.p50} ms | ${r.latencyMs.p99} ms | ${r.latencyMs.max} ms | ${r.serverRssMiB.start} → ${r.serverRssMiB.end} MiB (${r.serverRssMiB.peak}) |

Goal: p99 under 25 ms, memory flat.`;
}
