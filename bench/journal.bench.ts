/**
 * Journal fan-out: events published at 2,000/s for BENCH_SECONDS (default 30) s, each received by
 * 50 real WebSocket clients on `/ws` in a separate process. Reports publish -> receipt latency
 * (every client, every event), loss and ordering, and the server's memory over the run.
 *
 * The server runs in this process so the publisher can go straight through the journal: each 5 ms
 * tick appends its share of events in one committed `journal.transaction` (synchronous=FULL, so one
 * fsync per tick), exactly as state changes are published; fan-out to the sockets happens after
 * COMMIT. `sentAt` is taken at append time, so the latency includes the commit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { asSqlite } from '../server/src/db/open';
import { appendBenchEvent, ROOT, percentile, sleep, startBenchServer } from './lib/weft';

export const title = 'Journal: publish -> receipt in 50 WebSocket clients';

const CLIENTS = 50;
const RATE = 2000; // events per second
const TICK_MS = 5;
const TOPIC = 'approvals';
const GOAL_P99_MS = 25;

const MiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** `global.gc` without starting node with --expose-gc: only to take comparable memory readings. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

/** Least-squares slope of y over x, per minute (x in seconds). */
function slopePerMinute(points: { t: number; v: number }[]): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.v, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mx) * (p.v - my), 0);
  const den = points.reduce((a, p) => a + (p.t - mx) ** 2, 0);
  return den === 0 ? null : Math.round((num / den) * 60 * 100) / 100;
}

function waitForLine(child: ChildProcess, read: () => string, prefix: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const line = read()
        .split('\n')
        .find((l) => l.startsWith(prefix));
      if (line !== undefined) {
        clearInterval(poll);
        resolve(line.slice(prefix.length).trim());
      } else if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`clients process: no ${prefix.trim()} line (exit ${child.exitCode ?? child.signalCode}); output: ${read().slice(-1000)}`));
      }
    }, 10);
  });
}

export async function run(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 30);
  if (!(seconds > 0 && seconds <= 600)) throw new Error(`BENCH_SECONDS must be in (0, 600], got ${process.env.BENCH_SECONDS}`);
  const total = RATE * seconds;
  const gc = exposeGc();
  const server = await startBenchServer();
  let child: ChildProcess | undefined;
  try {
    const synchronous = asSqlite(server.app.db, 'bench').pragma('synchronous', { simple: true }) as number; // 2 = FULL
    const { journal } = server.app;
    const after = journal.lastSeq(TOPIC);
    // Subscribed before the clients' sockets, so the bus calls it first after each COMMIT: it splits
    // a publishing tick into append + COMMIT and fan-out to the sockets.
    let committedAt = 0;
    const stopProbe = journal.subscribe(TOPIC, () => {
      if (committedAt === 0) committedAt = performance.now();
    });
    child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench/lib/ws-clients.ts'), server.url, server.token, TOPIC, String(CLIENTS), String(total), String(after)],
      {
        env: { ...process.env, BENCH_CLIENT_DEADLINE_MS: String((seconds + 90) * 1000) },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    await waitForLine(child, () => out, 'READY', 20_000);

    gc();
    const start = process.memoryUsage();
    const timeline: { t: number; rssMiB: number; heapMiB: number }[] = [];
    let rssPeak = start.rss;
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const cpuStart = process.cpuUsage();
    const tickMs: number[] = [];
    const commitMs: number[] = [];
    const fanoutMs: number[] = [];

    let sent = 0;
    const t0 = performance.now();
    let nextSample = 1;
    while (sent < total) {
      const elapsed = performance.now() - t0;
      const due = Math.min(total, Math.floor((elapsed / 1000) * RATE));
      if (due > sent) {
        const tickStart = performance.now();
        committedAt = 0;
        journal.transaction(() => {
          for (; sent < due; sent++) appendBenchEvent(journal, TOPIC, { n: sent, sentAt: performance.timeOrigin + performance.now() });
        });
        const tickEnd = performance.now();
        tickMs.push(tickEnd - tickStart);
        commitMs.push(committedAt - tickStart);
        fanoutMs.push(tickEnd - committedAt);
      }
      if (elapsed / 1000 >= nextSample) {
        const m = process.memoryUsage();
        rssPeak = Math.max(rssPeak, m.rss);
        timeline.push({ t: nextSample, rssMiB: MiB(m.rss), heapMiB: MiB(m.heapUsed) });
        nextSample++;
      }
      await sleep(TICK_MS);
    }
    const publishSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    loopDelay.disable();
    stopProbe();

    const clients = JSON.parse(await waitForLine(child, () => out, 'RESULT ', 60_000)) as {
      reason: string;
      minReceived: number;
      maxReceived: number;
      totalReceived: number;
      outOfOrder: number;
      errors: number;
      closedEarly: number;
      latencyMs: { samples: number; min: number; p50: number; p90: number; p99: number; p999: number; max: number };
      clientCpuCorePct: number;
    };
    const endRaw = process.memoryUsage();
    rssPeak = Math.max(rssPeak, endRaw.rss);
    gc();
    const end = process.memoryUsage();
    const secondHalf = timeline.filter((p) => p.t > seconds / 2);
    for (const a of [tickMs, commitMs, fanoutMs]) a.sort((x, y) => x - y);
    const dist = (a: number[]) => ({ p50: round2(percentile(a, 50)), p99: round2(percentile(a, 99)), max: round2(a.at(-1) ?? NaN) });

    const noLoss = clients.minReceived === total && clients.maxReceived === total && clients.outOfOrder === 0;
    const rssSlope = slopePerMinute(secondHalf.map((p) => ({ t: p.t, v: p.rssMiB })));
    const heapGrowthMiB = MiB(end.heapUsed - start.heapUsed);
    // "Flat": the heap after a full GC is back where it started, and RSS is not climbing at the end.
    const memoryFlat = Math.abs(heapGrowthMiB) < 5 && (rssSlope === null || rssSlope < 2);
    return {
      clients: CLIENTS,
      topic: TOPIC,
      synchronous: synchronous === 2 ? 'FULL' : synchronous === 1 ? 'NORMAL' : String(synchronous),
      seconds,
      eventsPerSecondTarget: RATE,
      eventsSent: sent,
      achievedRate: Math.round(sent / publishSeconds),
      commitsPerSecond: Math.round(tickMs.length / publishSeconds),
      latencyMs: clients.latencyMs,
      delivery: {
        expectedPerClient: total,
        minReceived: clients.minReceived,
        maxReceived: clients.maxReceived,
        totalReceived: clients.totalReceived,
        outOfOrder: clients.outOfOrder,
        socketErrors: clients.errors,
        closedEarly: clients.closedEarly,
        clientsEnded: clients.reason,
        noLoss,
      },
      server: {
        cpuCorePct: Math.round(((cpu.user + cpu.system) / 1000 / (publishSeconds * 1000)) * 100),
        // Time the publishing tick held the event loop: append + COMMIT (fsync) + fan-out to 50 sockets.
        eventsPerCommit: Math.round((sent / tickMs.length) * 10) / 10,
        publishTickMs: dist(tickMs),
        // The tick split at the first listener call: append + COMMIT (fsync), then fan-out to the 50 sockets.
        commitMs: dist(commitMs),
        fanoutMs: dist(fanoutMs),
        eventLoopDelayMs: { p50: round2(loopDelay.percentile(50) / 1e6), p99: round2(loopDelay.percentile(99) / 1e6), max: round2(loopDelay.max / 1e6) },
        rssMiB: { start: MiB(start.rss), end: MiB(endRaw.rss), endAfterGc: MiB(end.rss), peak: MiB(rssPeak), secondHalfSlopePerMinute: rssSlope },
        heapUsedAfterGcMiB: { start: MiB(start.heapUsed), end: MiB(end.heapUsed), growth: heapGrowthMiB },
        timeline,
      },
      clientsProcessCpuCorePct: clients.clientCpuCorePct,
      goals: { p99Under25ms: clients.latencyMs.p99 !== null && clients.latencyMs.p99 < GOAL_P99_MS, noLoss, memoryFlat },
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await server.close();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function markdown(r: Record<string, any>): string {
  const l = r.latencyMs;
  const d = r.delivery;
  const s = r.server;
  const yes = (b: boolean) => (b ? 'yes' : '**NO**');
  const timeline = (s.timeline as { t: number; rssMiB: number; heapMiB: number }[])
    .filter((p, i, all) => i === 0 || p.t % 5 === 0 || i === all.length - 1)
    .map((p) => `${p.t}s ${p.rssMiB}/${p.heapMiB}`)
    .join(' · ');
  return [
    `Server in the bench process (real SQLite file, synchronous=${r.synchronous}); every ${TICK_MS} ms the publisher appends its share of events to topic \`${r.topic}\` in one committed \`journal.transaction\` (${r.commitsPerSecond} commits/s). ${r.clients} real WebSocket clients on \`/ws\` in a separate process, all subscribed to that topic; latency = receipt time − \`sentAt\` (taken at append, before COMMIT), measured for every event on every client.`,
    '',
    '| events/s | seconds | sent | received per client (min / max) | in order | p50 | p90 | p99 | p99.9 | max |',
    '| ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${r.achievedRate} | ${r.seconds} | ${r.eventsSent} | ${d.minReceived} / ${d.maxReceived} | ${d.outOfOrder === 0 ? 'yes' : `${d.outOfOrder} out of order`} | ${l.p50} ms | ${l.p90} ms | ${l.p99} ms | ${l.p999} ms | ${l.max} ms |`,
    '',
    '| server RSS start → end (peak) | RSS after GC at end | RSS slope, 2nd half | heap after GC start → end | server CPU | clients process CPU |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${s.rssMiB.start} → ${s.rssMiB.end} MiB (${s.rssMiB.peak}) | ${s.rssMiB.endAfterGc} MiB | ${s.rssMiB.secondHalfSlopePerMinute} MiB/min | ${s.heapUsedAfterGcMiB.start} → ${s.heapUsedAfterGcMiB.end} MiB | ${s.cpuCorePct}% of a core | ${r.clientsProcessCpuCorePct}% of a core |`,
    '',
    'Where a publishing tick goes (p50 / p99 / max), and the server event loop:',
    '',
    '| commits/s | events per commit | whole tick | append + COMMIT | fan-out to 50 sockets | event-loop delay p50 / p99 / max |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${r.commitsPerSecond} | ${s.eventsPerCommit} | ${s.publishTickMs.p50} / ${s.publishTickMs.p99} / ${s.publishTickMs.max} ms | ${s.commitMs.p50} / ${s.commitMs.p99} / ${s.commitMs.max} ms | ${s.fanoutMs.p50} / ${s.fanoutMs.p99} / ${s.fanoutMs.max} ms | ${s.eventLoopDelayMs.p50} / ${s.eventLoopDelayMs.p99} / ${s.eventLoopDelayMs.max} ms |`,
    '',
    `Goals: p99 under ${GOAL_P99_MS} ms: ${yes(r.goals.p99Under25ms)}; no loss (every client got all ${r.eventsSent}, in order): ${yes(r.goals.noLoss)}; memory flat (heap after GC within 5 MiB, RSS slope over the second half under 2 MiB/min): ${yes(r.goals.memoryFlat)}.`,
    '',
    `RSS/heapUsed (MiB) over the run: ${timeline}.`,
    '',
    'Server, publisher and the 50 clients share 2 cores; the clients process parses every frame (`JSON.parse`), so part of the latency is queueing in that process (its CPU share is in the table).',
  ].join('\n');
}
