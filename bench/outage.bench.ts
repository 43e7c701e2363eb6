/**
 * Server outages with runners alive: a real server process (default 15 s lease, synchronous=FULL)
 * and two real runner processes (capacity 4 each) run 8 executions of 6 traced bash steps (~0.5 s
 * each); the server is SIGKILLed mid-run, stays down 5, 20 or 60 s, and starts again on the same
 * port and data dir. Counted from the side-effect trace the steps append to: step runs beyond one
 * per step, steps under way when the server died, and pairs of runs of one execution by two
 * runners that overlap in time (must be none).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  api,
  extraRuns,
  FAULT_RUNNER_TOKEN,
  freePort,
  overlaps,
  readTrace,
  sleep,
  startRunner,
  startServerProcess,
  tracedStep,
  waitFor,
  type Trace,
} from './lib/faults';

export const title = 'Reliability: duplicate step runs after server outages of 5, 20 and 60 s';

const OUTAGES_S = [5, 20, 60];
const EXECUTIONS = 8;
const STEPS = ['a', 'b', 'c', 'd', 'e', 'f'];

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

function underWayAt(trace: Trace[], ns: bigint): number {
  const ended = new Set(trace.filter((t) => t.what === 'end' && t.ns < ns).map((t) => `${t.executionId}/${t.stepId}/${t.runner}`));
  return trace.filter((t) => t.what === 'start' && t.ns < ns && !ended.has(`${t.executionId}/${t.stepId}/${t.runner}`)).length;
}

async function one(outageS: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-outage-'));
  const port = await freePort();
  const env = { WEFT_SYNCHRONOUS: 'FULL' };
  let server = await startServerProcess({ dataDir, port, env });
  const runners = ['A', 'B'].map((name) =>
    startRunner({ url: server.url, token: FAULT_RUNNER_TOKEN, dataDir, capacity: 4, env: { WEFT_RUNNER_NAME: name, WEFT_SANDBOX_WRITE_PATHS: dataDir } }),
  );
  const trace = path.join(dataDir, 'trace.log');
  try {
    const wf = await api(server.url, 'POST', '/api/workflows', { definition: { name: 'Traced', steps: STEPS.map((id) => tracedStep(id, trace)) } });
    const ids: string[] = [];
    for (let i = 0; i < EXECUTIONS; i++) ids.push((await api(server.url, 'POST', `/api/workflows/${wf.body.id}/run`, {})).body.executionId);
    await waitFor(() => readTrace(trace).filter((t) => t.what === 'end').length >= EXECUTIONS, 60_000, 'steps completing');
    await server.kill('SIGKILL');
    const diedAt = nowNs();
    await sleep(outageS * 1000);
    const restartAt = Date.now();
    server = await startServerProcess({ dataDir, port, env });
    const listening = Date.now();
    await waitFor(
      async () => {
        const states = await Promise.all(ids.map(async (id) => (await api(server.url, 'GET', `/api/executions/${id}`)).body?.status));
        return states.every((s) => s === 'succeeded');
      },
      180_000,
      'every execution to succeed',
    );
    const finishedAfterMs = Date.now() - listening;
    const t = readTrace(trace);
    const fenced = runners.filter((r) => /lease not renewed in time/.test(r.output())).length;
    return {
      outageS,
      actualOutageS: Math.round((listening - Number(diedAt / 1_000_000n)) / 100) / 10,
      serverStartS: Math.round((listening - restartAt) / 100) / 10,
      steps: EXECUTIONS * STEPS.length,
      underWayAtOutage: underWayAt(t, diedAt),
      extraRuns: extraRuns(t),
      completedTwice: [
        ...t
          .filter((x) => x.what === 'end')
          .reduce((m, x) => m.set(`${x.executionId}/${x.stepId}`, (m.get(`${x.executionId}/${x.stepId}`) ?? 0) + 1), new Map<string, number>())
          .values(),
      ].filter((n) => n > 1).length,
      twoRunnersAtOnce: overlaps(t).length,
      runnersThatFencedThemselves: fenced,
      allFinishedAfterRestartS: Math.round(finishedAfterMs / 100) / 10,
    };
  } finally {
    await server.kill('SIGKILL');
    for (const r of runners) await r.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const results = [];
  for (const s of OUTAGES_S) {
    process.stderr.write(`  outage ${s} s\n`);
    results.push(await one(s));
  }
  return { leaseMs: 15_000, executions: EXECUTIONS, stepsPerExecution: STEPS.length, results };
}

export function markdown(r: Record<string, any>): string {
  const rows = (r.results as Record<string, number>[]).map(
    (x) =>
      `| ${x.outageS} s (${x.actualOutageS} s) | ${x.steps} | ${x.underWayAtOutage} | ${x.extraRuns} | ${x.completedTwice} | ${x.twoRunnersAtOnce} | ${x.runnersThatFencedThemselves}/2 | ${x.allFinishedAfterRestartS} s |`,
  );
  return [
    'Real server process (lease 15 s, synchronous=FULL), two real runner processes (capacity 4 each), 8 executions × 6 bash steps of ~0.5 s that append start/tick/end lines to a side-effect file. The server is SIGKILLed mid-run and started again on the same port after the outage (the outage in brackets includes its own start-up).',
    '',
    '| outage | steps | under way at the outage | extra step runs | steps completed twice | two runners on one execution at once | runners that fenced themselves | all finished after restart |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'Goal: extra runs only for steps under way at the outage (their completion not yet stored), and never two runners on one execution at once.',
    'A runner starts no new step while it is cut off, so what is under way at the outage is at most one step per execution. Past its own deadline (lease − 20 % = 12 s since its last renewal) a runner stops its executions (the 20 and 60 s outages passed it; after 5 s the runners simply renewed their leases and went on) and keeps their unacknowledged events; back in touch within the server’s restart grace (one lease), it delivers them and the lease is still its own, so the steps that finished during the outage are kept and nothing ran twice. A step still running at the deadline is killed and runs again (the fault suite’s 20 s test has one: 1 extra run). Without the grace (before this change) the first tick after the restart expired every lease, and without the runner’s deadline a cut-off runner kept running steps another runner was given.',
  ].join('\n');
}
