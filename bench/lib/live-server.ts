/**
 * Child process for the live benchmark: a Weft server that publishes a steady event stream itself,
 * so its RSS and CPU are this process's alone (the clients run elsewhere).
 *
 *   node --import tsx bench/lib/live-server.ts <events/s> <seconds> <event bytes>
 *
 * Prints `READY <url> <token>`, waits for a line on stdin, publishes `<events/s>` events of about
 * `<event bytes>` each to topic `approvals` for `<seconds>` s (one committed transaction per 5 ms
 * tick, data `{ n, sentAt, pad }`), idles 2 s, then prints `RESULT {json}`: CPU, RSS (sampled every
 * 250 ms), journal range reads (counted around `journal.read`, so older code is measured the same
 * way), the largest send buffer of any `/ws` socket, and the live socket counters when the server
 * has them. Exits when stdin closes.
 */
import { performance } from 'node:perf_hooks';
import { appendBenchEvent, sleep, startBenchServer } from './weft';

const [rateArg, secondsArg, bytesArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const bytes = Number(bytesArg);
if (!(rate > 0) || !(seconds > 0) || !(bytes >= 0)) {
  process.stderr.write('usage: live-server.ts <events/s> <seconds> <event bytes>\n');
  process.exit(2);
}

const TOPIC = 'approvals';
const TICK_MS = 5;
const MiB = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

const server = await startBenchServer();
const { journal } = server.app;
const live = (server.app as { live?: Record<string, number> }).live;
let journalReads = 0;
let journalEventsRead = 0;
const read = journal.read;
journal.read = (topic, after, limit) => {
  const events = read(topic, after, limit);
  journalReads++;
  journalEventsRead += events.length;
  return events;
};

async function publish() {
  const pad = 'p'.repeat(bytes);
  const total = rate * seconds;
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  let maxBuffered = 0;
  const sample = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    for (const c of server.app.websocketServer.clients) maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
  };
  const cpuStart = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  let nextSample = 0;
  while (sent < total) {
    const elapsed = performance.now() - t0;
    const due = Math.min(total, Math.floor((elapsed / 1000) * rate));
    if (due > sent) {
      journal.transaction(() => {
        for (; sent < due; sent++) appendBenchEvent(journal, TOPIC, { n: sent, sentAt: performance.timeOrigin + performance.now(), pad });
      });
    }
    if (elapsed >= nextSample) {
      sample();
      nextSample += 250;
    }
    await sleep(TICK_MS);
  }
  const publishMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpuStart);
  // Whatever a closed socket still costs shows up after the stream too.
  for (let i = 0; i < 8; i++) {
    await sleep(250);
    sample();
  }
  const cpuAll = process.cpuUsage(cpuStart);
  const rssEnd = process.memoryUsage().rss;
  return {
    eventsSent: sent,
    achievedRate: Math.round(sent / (publishMs / 1000)),
    cpuCorePct: Math.round(((cpu.user + cpu.system) / 1000 / publishMs) * 100),
    cpuSecondsWithIdleTail: Math.round(((cpuAll.user + cpuAll.system) / 1e6) * 100) / 100,
    rssMiB: { start: MiB(rssStart), peak: MiB(rssPeak), end: MiB(rssEnd), peakGrowth: MiB(rssPeak - rssStart) },
    journalReads,
    journalEventsRead,
    maxBufferedKiB: Math.round(maxBuffered / 1024),
    live: live ? { ...live } : null,
  };
}

process.stdout.write(`READY ${server.url} ${server.token}\n`);
let started = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', () => {
  if (started) return;
  started = true;
  publish().then(
    (result) => process.stdout.write(`RESULT ${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`live-server failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
process.stdin.on('end', () => {
  void server.close().finally(() => process.exit(0));
});
