/**
 * Child process for the journal benchmark: N real WebSocket clients subscribed to one topic,
 * measuring publish -> receipt latency from the `sentAt` the publisher put in each event.
 * Prints one JSON line with the results when it gets SIGTERM... or after `expected` events each.
 */
import WebSocket from 'ws';

const [url, token, topic, countArg, expectedArg] = process.argv.slice(2);
const count = Number(countArg);
const expected = Number(expectedArg);
const latencies: number[] = [];
const received = new Array<number>(count).fill(0);
let ready = 0;
let done = 0;

for (let i = 0; i < count; i++) {
  const ws = new WebSocket(`${url!.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { type: string; event?: { data: { sentAt: number } } };
    if (frame.type === 'subscribed') {
      ready++;
      if (ready === count) process.stdout.write('READY\n');
      return;
    }
    if (frame.type !== 'event') return;
    // Sample one client in five for latency: enough points, less measurement overhead.
    if (i % 5 === 0) latencies.push(Date.now() - frame.event!.data.sentAt);
    received[i]!++;
    if (received[i] === expected) {
      done++;
      ws.close();
      if (done === count) finish();
    }
  });
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topic, after: Number(process.env.BENCH_AFTER ?? 0) })));
}

function finish() {
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? null;
  process.stdout.write(`${JSON.stringify({ p50: q(50), p99: q(99), max: latencies.at(-1) ?? null, samples: latencies.length, minReceived: Math.min(...received), maxReceived: Math.max(...received) })}\n`);
  process.exit(0);
}
process.on('SIGTERM', finish);
