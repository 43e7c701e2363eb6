import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/live-client';
import { startRunner, type RunnerProcess } from '../helpers/runner-process';
import { makeDataDir } from '../helpers/server';
import { api, extraRuns, FAULT_RUNNER_TOKEN, freePort, overlaps, readTrace, startServerProcess, tracedStep, type ServerProcess, type Trace } from './harness';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

const STEPS = ['a', 'b', 'c', 'd', 'e', 'f'];

/** A real server process and two real runner processes (A, B) sharing one side-effect trace. */
async function scenario({ leaseMs, longTicks = 150 }: { leaseMs: number; longTicks?: number }) {
  const dataDir = makeDataDir();
  const port = await freePort();
  const env = { WEFT_LEASE_MS: String(leaseMs) };
  let server: ServerProcess = await startServerProcess({ dataDir, port, env });
  cleanup.push(() => server.kill());
  const url = server.url;
  const runners: RunnerProcess[] = ['A', 'B'].map((name) => {
    // The steps' trace is in the data directory, outside their run directories.
    const r = startRunner({ url, token: FAULT_RUNNER_TOKEN, dataDir, capacity: 3, env: { WEFT_RUNNER_NAME: name, WEFT_SANDBOX_WRITE_PATHS: dataDir } });
    cleanup.push(() => r.kill('SIGKILL'));
    return r;
  });
  const trace = `${dataDir}/trace.log`;
  const wf = await api(url, 'POST', '/api/workflows', { definition: { name: 'Traced', steps: STEPS.map((id) => tracedStep(id, trace)) } });
  expect(wf.status).toBe(201);
  // One step that outlives the runner's deadline when the server is down long enough.
  const long = await api(url, 'POST', '/api/workflows', { definition: { name: 'Long', steps: [tracedStep('long', trace, { ticks: longTicks })] } });
  expect(long.status).toBe(201);
  const hook = await api(url, 'PUT', '/api/triggers/outage-hook', {
    workflowId: wf.body.id,
    type: 'webhook',
    enabled: true,
    webhook: { path: 'outage', verify: 'none', rateLimitPerMinute: 100_000 },
  });
  expect(hook.status).toBe(200);
  return {
    url,
    trace,
    runners,
    runLong: async () => {
      const r = await api(url, 'POST', `/api/workflows/${long.body.id}/run`, {});
      expect(r.status).toBe(202);
      return r.body.executionId as string;
    },
    run: async () => {
      const r = await api(url, 'POST', `/api/workflows/${wf.body.id}/run`, {});
      expect(r.status).toBe(202);
      return r.body.executionId as string;
    },
    hook: async () => {
      const res = await fetch(`${url}/hooks/outage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(202);
      return ((await res.json()) as { executionId: string }).executionId;
    },
    kill: () => server.kill('SIGKILL'),
    restart: async () => {
      server = await startServerProcess({ dataDir, port, env });
    },
    allSucceeded: async (ids: string[]) => {
      const states = await Promise.all(ids.map(async (id) => (await api(url, 'GET', `/api/executions/${id}`)).body?.status));
      return states.every((st) => st === 'succeeded');
    },
  };
}

/** Step runs under way at `ns`: started before it and not ended before it. */
function inFlightAt(trace: Trace[], ns: bigint): number {
  const ended = new Set(trace.filter((t) => t.what === 'end' && t.ns < ns).map((t) => `${t.executionId}/${t.stepId}/${t.runner}`));
  return trace.filter((t) => t.what === 'start' && t.ns < ns && !ended.has(`${t.executionId}/${t.stepId}/${t.runner}`)).length;
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

describe('server killed and down while runners stay up', { timeout: 180_000 }, () => {
  it('SIGKILL right after webhooks answered 202, down 5 s: nothing acknowledged is lost, no step runs twice, never two runners on one execution', async () => {
    // A lease well above the outage (including the restart's own start-up time on a loaded machine).
    const sc = await scenario({ leaseMs: 30_000 });
    // More executions than the runners' six slots: steps are surely under way at the kill.
    const ids = await Promise.all(Array.from({ length: 10 }, () => sc.run()));
    await waitUntil(() => readTrace(sc.trace).filter((t) => t.what === 'end').length >= 4, 30_000, 'steps completing');
    // Steps run in 0.4 s with a spawn between them: on a loaded machine every slot can be between two steps
    // at one instant, so the kill waits for a moment when steps are visibly under way.
    await waitUntil(() => inFlightAt(readTrace(sc.trace), nowNs()) >= 2, 30_000, 'steps under way');
    // Acknowledged, then the server dies before anything else can happen.
    ids.push(await sc.hook(), await sc.hook());
    const killedAt = nowNs();
    await sc.kill();
    await new Promise((r) => setTimeout(r, 5_000)); // the outage itself is the thing under test
    await sc.restart();
    await waitUntil(() => sc.allSucceeded(ids), 120_000, 'every acknowledged execution to succeed');
    const trace = readTrace(sc.trace);
    for (const id of ids)
      for (const step of STEPS)
        expect(
          trace.filter((t) => t.what === 'end' && t.executionId === id && t.stepId === step),
          `${id}/${step}`,
        ).toHaveLength(1);
    expect(extraRuns(trace)).toBe(0);
    expect(overlaps(trace)).toEqual([]);
    const story = trace.map((t) => `${t.what} ${t.executionId.slice(-6)} ${t.stepId} ${t.runner} ${Number((t.ns - killedAt) / 1_000_000n)}ms`).join('\n');
    expect(inFlightAt(trace, killedAt), story).toBeGreaterThan(0);
    for (const r of sc.runners) expect(r.child.exitCode).toBeNull();
  });

  it('down 10 s (longer than an 8 s lease): a runner stops what it cannot report in time; only steps under way at the outage run again, never on two runners at once', async () => {
    // Short enough to keep the suite quick; the long step (10 s of ticks) outlives its runner's deadline.
    const sc = await scenario({ leaseMs: 8_000, longTicks: 100 });
    const longId = await sc.runLong();
    const ids = [longId, ...(await Promise.all(Array.from({ length: 5 }, () => sc.run())))];
    await waitUntil(() => readTrace(sc.trace).filter((t) => t.what === 'end').length >= 5, 30_000, 'steps completing');
    await sc.kill();
    const diedAt = nowNs();
    await new Promise((r) => setTimeout(r, 10_000)); // the outage itself is the thing under test
    const restartAt = nowNs();
    await sc.restart();
    await waitUntil(() => sc.allSucceeded(ids), 150_000, 'every execution to succeed');
    const trace = readTrace(sc.trace);
    const story = trace
      .filter((t) => t.what !== 'tick')
      .map((t) => `${t.what} ${t.executionId.slice(-6)} ${t.stepId} ${t.runner} ${Number((t.ns - diedAt) / 1_000_000n)}ms`)
      .join('\n');
    expect(overlaps(trace), story).toEqual([]);
    // The runners noticed the closed sockets at once and started nothing while cut off.
    const noticed = diedAt + 1_000_000_000n;
    expect(
      trace.filter((t) => t.what === 'start' && t.ns > noticed && t.ns < restartAt),
      story,
    ).toEqual([]);
    // The long step was stopped by its runner's own deadline (6.4 s after its last renewal, before
    // the lease could expire on the server), then ran again once, after the restart's grace.
    const long = trace.filter((t) => t.executionId === longId);
    const starts = long.filter((t) => t.what === 'start');
    expect(starts, story).toHaveLength(2);
    const firstRunner = starts[0]!.runner;
    const lastTickOfFirst = long.filter((t) => t.what === 'tick' && t.runner === firstRunner && t.ns < starts[1]!.ns).at(-1)!;
    expect(lastTickOfFirst.ns < diedAt + 8_000_000_000n, story).toBe(true);
    expect(lastTickOfFirst.ns < restartAt).toBe(true);
    expect(long.filter((t) => t.what === 'end')).toHaveLength(1);
    // Steps that finished were reported after the restart (the lease still the runner's, in the
    // grace): none of them ran again.
    const ends = new Map<string, number>();
    for (const t of trace) if (t.what === 'end') ends.set(`${t.executionId}/${t.stepId}`, (ends.get(`${t.executionId}/${t.stepId}`) ?? 0) + 1);
    expect(
      [...ends.values()].every((n) => n === 1),
      story,
    ).toBe(true);
    expect(extraRuns(trace)).toBe(1);
    expect(sc.runners.map((r) => /lease not renewed in time/.test(r.output())).some(Boolean)).toBe(true);
    for (const r of sc.runners) expect(r.child.exitCode).toBeNull();
  });
});
