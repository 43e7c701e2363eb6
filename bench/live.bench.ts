/**
 * Live sockets: what one stalled subscriber costs the server. A server process publishes a steady
 * stream (BENCH_LIVE_RATE events/s, default 500, of ~4 KiB, for BENCH_SECONDS, default 20) to one
 * topic; a reading client (separate process) follows it. Run twice on fresh servers: with no other
 * subscriber, and with one more subscriber on the same topic that stops reading right after it
 * subscribed (its TCP socket paused). Reports the server process's RSS and CPU, its journal range
 * reads, the largest send buffer, and what the reading client saw.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { ROOT } from './lib/weft';

export const title = 'Live sockets: one stalled subscriber vs none';

const TOPIC = 'approvals';
const EVENT_BYTES = 4096;

type ServerResult = {
  eventsSent: number;
  achievedRate: number;
  cpuCorePct: number;
  cpuSecondsWithIdleTail: number;
  rssMiB: { start: number; peak: number; end: number; peakGrowth: number };
  journalReads: number;
  journalEventsRead: number;
  maxBufferedKiB: number;
  live: Record<string, number> | null;
};

function lines(child: ChildProcess) {
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  return (prefix: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const line = out.split('\n').find((l) => l.startsWith(prefix));
        if (line !== undefined) {
          clearInterval(poll);
          resolve(line.slice(prefix.length).trim());
        } else if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > timeoutMs) {
          clearInterval(poll);
          reject(new Error(`no ${prefix.trim()} line (exit ${child.exitCode ?? child.signalCode}); output: ${out.slice(-1000)}`));
        }
      }, 10);
    });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Subscribes, then stops reading: the server's send buffer for it fills and stays full. */
async function stalledSubscriber(url: string, token: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      if ((JSON.parse(String(raw)) as { type: string }).type === 'subscribed') resolve();
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', topic: TOPIC })));
    ws.once('error', reject);
  });
  (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  return {
    /** Reads again and reports the close code it finds at the end of what was buffered. */
    async resume(): Promise<number | null> {
      (ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const code = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
      ws.terminate();
      return code;
    },
  };
}

async function phase(stalled: boolean, rate: number, seconds: number) {
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/live-server.ts'), String(rate), String(seconds), String(EVENT_BYTES)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const serverLine = lines(server);
  let reader: ChildProcess | undefined;
  try {
    const [url, token] = (await serverLine('READY ', 30_000)).split(' ') as [string, string];
    reader = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/ws-clients.ts'), url, token, TOPIC, '1', String(rate * seconds), '0'], {
      env: { ...process.env, BENCH_CLIENT_DEADLINE_MS: String((seconds + 60) * 1000) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const readerLine = lines(reader);
    await readerLine('READY', 20_000);
    const slow = stalled ? await stalledSubscriber(url, token) : null;
    server.stdin!.write('GO\n');
    const result = JSON.parse(await serverLine('RESULT ', (seconds + 60) * 1000)) as ServerResult;
    const readerResult = JSON.parse(await readerLine('RESULT ', 60_000)) as {
      minReceived: number;
      outOfOrder: number;
      latencyMs: { p50: number; p99: number; max: number };
    };
    const stalledCloseCode = slow ? await slow.resume() : null;
    return {
      ...result,
      reader: { received: readerResult.minReceived, outOfOrder: readerResult.outOfOrder, latencyMs: readerResult.latencyMs },
      stalledCloseCode,
    };
  } finally {
    if (reader) await stop(reader);
    await stop(server);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const rate = Number(process.env.BENCH_LIVE_RATE ?? 500);
  if (!(seconds > 0 && seconds <= 600)) throw new Error(`BENCH_SECONDS must be in (0, 600], got ${process.env.BENCH_SECONDS}`);
  if (!(rate > 0 && rate <= 5000)) throw new Error(`BENCH_LIVE_RATE must be in (0, 5000], got ${process.env.BENCH_LIVE_RATE}`);
  const none = await phase(false, rate, seconds);
  const stalled = await phase(true, rate, seconds);
  return { rate, seconds, eventBytes: EVENT_BYTES, topic: TOPIC, none, stalled };
}

/**
 * For comparison, not measured by this run: the same scenario (20 s, 500 events/s) on the code before
 * slow consumers were detached (d0b1d99), on this machine, 2026-12-04. Once closed, the stalled
 * socket re-read the whole missed range from the journal on every event until terminate(), and the
 * event loop fell seconds behind (the reader's p50 was 2.5 s, its max 17 s).
 */
const BEFORE =
  '| one stalled, **before the fix** (d0b1d99, 2026-12-04) | 388 | 191.2 → 284.1 (+92.9) | 284.1 | 29% | 7.62 s | 891 / 395,605 | 4098 KiB | 10000 (in order), p99 ≥ 10 s | 1006 |';

export function markdown(r: Record<string, any>): string {
  const row = (name: string, p: any) =>
    `| ${name} | ${p.achievedRate} | ${p.rssMiB.start} → ${p.rssMiB.peak} (+${p.rssMiB.peakGrowth}) | ${p.rssMiB.end} | ${p.cpuCorePct}% | ${p.cpuSecondsWithIdleTail} s | ${p.journalReads} / ${p.journalEventsRead} | ${p.maxBufferedKiB} KiB | ${p.reader.received} (${p.reader.outOfOrder === 0 ? 'in order' : `${p.reader.outOfOrder} out of order`}), p99 ${p.reader.latencyMs.p99} ms | ${p.stalledCloseCode ?? '–'} |`;
  return [
    `A server process publishes ${r.rate} events/s of ~${r.eventBytes / 1024} KiB to \`${r.topic}\` for ${r.seconds} s (one commit per 5 ms tick, synchronous=FULL); one reading client in another process follows the topic. Each row is a fresh server: with no other subscriber, and with one more subscriber that stops reading right after subscribing (its socket paused; resumed after the run to see which close code it finds).`,
    '',
    '| subscribers besides the reader | events/s | server RSS start → peak (growth), MiB | RSS at end | server CPU while publishing | CPU s incl. 2 s idle tail | journal range reads / events read | largest send buffer | reader got | stalled socket closed with |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('none', r.none),
    row('one stalled', r.stalled),
    BEFORE,
    '',
    "Journal reads are the subscriptions' replay reads (one per subscribe) plus any gap fills; after a socket is marked slow it has none. The stalled socket is closed with 4008 behind the ≤ 4 MiB already buffered and terminated after 5 s without draining (so, resumed only after the run, it finds the connection ended: 1006; a shorter run, resumed within the 5 s, finds the 4008). Server, reader and the stalled client share the 2 cores with whatever else runs: the reader's latency moves with the machine's load (compare RSS, CPU and journal reads, not latency, between rows).",
  ].join('\n');
}
