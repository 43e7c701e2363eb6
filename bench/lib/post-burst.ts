/**
 * Child process for the engine benchmark: fires N identical POSTs at once, so the HTTP client's
 * work does not run on the event loop of the server it measures.
 *
 *   node --import tsx bench/lib/post-burst.ts <url> <token> <path> <n> [json body]
 *
 * First it warms up: N concurrent `GET /api/health`, twice, so the fetch machinery is compiled and N
 * keep-alive connections are open (the burst measures the server, not connection setup in a cold
 * process). Then it prints `READY`, waits for a line on stdin, sends the N requests concurrently (Node's fetch
 * opens a connection per request in flight), then prints `RESULT {json}`: the start instant (epoch ms, sub-ms), per-request times, the
 * response bodies' `executionId`s and any failures. Exits when stdin closes.
 */
import { performance } from 'node:perf_hooks';

const [url, token, p, nArg, body = '{}'] = process.argv.slice(2);
const n = Number(nArg);
if (!url || !token || !p || !(n > 0)) {
  process.stderr.write('usage: post-burst.ts <url> <token> <path> <n> [json body]\n');
  process.exit(2);
}
const target = url + p;

async function fire() {
  const startedAt = performance.timeOrigin + performance.now();
  const t0 = performance.now();
  const times: number[] = [];
  const ids: string[] = [];
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      const a = performance.now();
      try {
        const res = await fetch(target, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        });
        const text = await res.text();
        times.push(performance.now() - a);
        if (res.status >= 300) failures.push(`${res.status} ${text.slice(0, 200)}`);
        else ids.push((JSON.parse(text) as { executionId: string }).executionId);
      } catch (err) {
        failures.push(String(err));
      }
    }),
  );
  const totalMs = performance.now() - t0;
  times.sort((a, b) => a - b);
  const q = (x: number) => times[Math.min(times.length - 1, Math.max(0, Math.ceil(x * times.length) - 1))] ?? null;
  process.stdout.write(`RESULT ${JSON.stringify({ startedAt, totalMs, p50: q(0.5), p99: q(0.99), max: times.at(-1) ?? null, ids, failures })}\n`);
}

async function warmUp() {
  for (let round = 0; round < 2; round++) {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const res = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${token}` } });
        await res.text();
      }),
    );
  }
}

let fired = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', () => {
  if (fired) return;
  fired = true;
  void fire();
});
process.stdin.on('end', () => process.exit(0));
warmUp().then(
  () => process.stdout.write('READY\n'),
  (err: unknown) => {
    process.stderr.write(`post-burst warm-up failed: ${String(err)}\n`);
    process.exit(1);
  },
);
