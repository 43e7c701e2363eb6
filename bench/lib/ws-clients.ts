/**
 * Child process for the journal benchmark: N real WebSocket clients on `/ws`, all subscribed to one
 * topic from `after`, measuring publish -> receipt latency on every client from the `sentAt` the
 * publisher put in each event (epoch ms with sub-ms precision: `performance.timeOrigin + now()`,
 * which is the same clock in both processes on one machine).
 *
 *   node --import tsx bench/lib/ws-clients.ts <url> <token> <topic> <clients> <expected> [after]
 *
 * Prints `READY` once every client is subscribed (after the replay), then one `RESULT {json}` line
 * when every client has `expected` events, or on SIGTERM / after BENCH_CLIENT_DEADLINE_MS with what
 * it has. It exits on its own when its stdin closes (the parent went away).
 * Latencies go into a fixed 0.1 ms histogram, so this process's memory does not grow with the run.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const [url, token, topic, countArg, expectedArg, afterArg] = process.argv.slice(2);
const count = Number(countArg);
const expected = Number(expectedArg);
const after = Number(afterArg ?? 0);
const deadlineMs = Number(process.env.BENCH_CLIENT_DEADLINE_MS ?? 120_000);
if (!url || !token || !topic || !(count > 0) || !(expected > 0)) {
  process.stderr.write('usage: ws-clients.ts <url> <token> <topic> <clients> <expected> [after]\n');
  process.exit(2);
}

const BUCKET_MS = 0.1;
const BUCKETS = 100_000; // 0..10 s; anything slower lands in the last bucket (max is exact anyway)
const histogram = new Uint32Array(BUCKETS);
let samples = 0;
let maxLatency = 0;
let minLatency = Infinity;
const nowEpoch = () => performance.timeOrigin + performance.now();

const received = new Array<number>(count).fill(0);
/** Events that did not carry the next `n` (a gap, a duplicate or a reordering). */
let outOfOrder = 0;
const lastN = new Array<number>(count).fill(-1);
const sockets: WebSocket[] = [];
let ready = 0;
let done = 0;
let errors = 0;
let closedEarly = 0;
let cpuAtReady: NodeJS.CpuUsage | null = null;
let readyAt = 0;
let lastEventAt = 0;
let finished = false;

for (let i = 0; i < count; i++) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  sockets.push(ws);
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { type: string; event?: { seq: number; data: { n: number; sentAt: number } } };
    if (frame.type === 'subscribed') {
      if (++ready === count) {
        cpuAtReady = process.cpuUsage();
        readyAt = performance.now();
        process.stdout.write('READY\n');
      }
      return;
    }
    if (frame.type !== 'event') {
      if (frame.type === 'error') errors++;
      return;
    }
    const at = nowEpoch();
    const { n, sentAt } = frame.event!.data;
    const latency = at - sentAt;
    histogram[Math.min(BUCKETS - 1, Math.max(0, Math.floor(latency / BUCKET_MS)))]!++;
    samples++;
    if (latency > maxLatency) maxLatency = latency;
    if (latency < minLatency) minLatency = latency;
    if (n !== lastN[i]! + 1) outOfOrder++;
    lastN[i] = n;
    lastEventAt = performance.now();
    if (++received[i]! === expected) {
      done++;
      ws.close();
      if (done === count) finish('complete');
    }
  });
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topic, after })));
  ws.on('error', () => errors++);
  ws.on('close', () => {
    if (received[i]! < expected) closedEarly++;
  });
}

function quantile(p: number): number | null {
  if (samples === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * samples));
  let seen = 0;
  for (let b = 0; b < BUCKETS; b++) {
    seen += histogram[b]!;
    // Upper edge of the bucket: a conservative figure.
    if (seen >= rank) return Math.min(maxLatency, Number(((b + 1) * BUCKET_MS).toFixed(1)));
  }
  return maxLatency;
}

function finish(reason: string) {
  if (finished) return;
  finished = true;
  const cpu = process.cpuUsage(cpuAtReady ?? undefined);
  const activeMs = Math.max(1, (lastEventAt || performance.now()) - readyAt);
  const result = {
    reason,
    clients: count,
    expectedPerClient: expected,
    minReceived: Math.min(...received),
    maxReceived: Math.max(...received),
    totalReceived: received.reduce((a, b) => a + b, 0),
    outOfOrder,
    errors,
    closedEarly,
    latencyMs: {
      samples,
      min: samples ? Number(minLatency.toFixed(2)) : null,
      p50: quantile(50),
      p90: quantile(90),
      p99: quantile(99),
      p999: quantile(99.9),
      max: samples ? Number(maxLatency.toFixed(2)) : null,
    },
    // CPU this process used from READY to the last event, as a share of one core.
    clientCpuCorePct: Math.round(((cpu.user + cpu.system) / 1000 / activeMs) * 100),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}

process.on('SIGTERM', () => finish('sigterm'));
setTimeout(() => finish('deadline'), deadlineMs).unref();
// The parent holds our stdin: when it goes away, so do we.
process.stdin.on('end', () => finish('parent gone'));
process.stdin.on('error', () => finish('parent gone'));
process.stdin.resume();
