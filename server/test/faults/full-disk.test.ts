import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/live-client';
import { startRunner, type RunnerProcess } from '../helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from '../helpers/server';
import { fullDisk } from './full-disk';
import { completions, readTrace, tracedStep } from './harness';

// Leases long enough that a few seconds of failed writes end no lease (the runner fences itself
// at 80% of it): the point here is that nothing stalls, not lease loss.
const ENGINE = { leaseMs: 8_000, runnerHeartbeatMs: 500, engineTickMs: 50 };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

describe('full disk, then freed: the engine recovers by itself', { timeout: 120_000 }, () => {
  it('503 storage_unavailable in the app shape while full; every accepted execution finishes once there is room, no process restarted, no completed step run twice', async () => {
    const dataDir = makeDataDir();
    const s: TestServer = await startServer({ dataDir, config: ENGINE });
    cleanup.push(() => s.close());
    // The steps' trace is in the data directory, outside their run directories.
    const runner: RunnerProcess = startRunner({
      url: s.url,
      token: s.runnerToken,
      dataDir,
      capacity: 8,
      env: { WEFT_RUNNER_NAME: 'A', WEFT_SANDBOX_WRITE_PATHS: dataDir },
    });
    cleanup.push(() => runner.kill('SIGKILL'));
    const trace = `${dataDir}/trace.log`;
    const definition = {
      name: 'Traced',
      steps: [tracedStep('one', trace, { ticks: 2 }), tracedStep('two', trace, { ticks: 2 }), tracedStep('three', trace, { ticks: 2 })],
    };
    const wf = await s.request('POST', '/api/workflows', { body: { definition } });
    expect(wf.status).toBe(201);
    const hook = await s.request('PUT', '/api/triggers/disk-hook', {
      body: { workflowId: wf.body.id, type: 'webhook', enabled: true, webhook: { path: 'disk', verify: 'none', rateLimitPerMinute: 100_000 } },
    });
    expect(hook.status).toBe(200);

    const accepted: string[] = [];
    const answers: { status: number; body: any }[] = [];
    const fire = async () => {
      const res = await fetch(`${s.url}/hooks/disk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
      const body = (await res.json()) as any;
      answers.push({ status: res.status, body });
      if (res.status === 202) accepted.push(body.executionId);
    };
    // Work under way on the runner when the disk fills.
    await Promise.all(Array.from({ length: 6 }, fire));
    await waitUntil(() => readTrace(trace).some((t) => t.what === 'start'), 20_000, 'steps running');

    const disk = fullDisk(s.app.db);
    disk.full();
    // Requests while full: refused in the app's shape, never a 500 or a driver's error.
    await waitUntil(
      async () => {
        await Promise.all(Array.from({ length: 4 }, fire));
        return answers.some((a) => a.status === 503);
      },
      20_000,
      'a 503 while the disk is full',
    );
    const ready = await s.request('GET', '/api/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ error: { code: 'storage_unavailable', message: expect.stringContaining('the disk is full') } });
    for (const a of answers) {
      expect([202, 503]).toContain(a.status);
      if (a.status === 503) expect(a.body).toEqual({ error: { code: 'storage_unavailable', message: expect.stringMatching(/the disk is full/) } });
      expect(JSON.stringify(a.body)).not.toMatch(/SQLITE|statusCode/);
    }
    // The runner's batches fail to commit meanwhile (they are rejected, not left unanswered).
    await waitUntil(() => /could not store events/.test(runner.output()), 20_000, 'a storage_unavailable reject reaching the runner');

    disk.roomy();
    await waitUntil(async () => (await s.request('GET', '/api/ready')).status === 200, 10_000, '/api/ready again');
    // Every execution acknowledged with 202 finishes, without restarting anything.
    await waitUntil(
      async () => {
        const states = await Promise.all(accepted.map(async (id) => (await s.request('GET', `/api/executions/${id}`)).body.status));
        return states.every((st) => st === 'succeeded');
      },
      30_000,
      'every accepted execution to succeed',
    );
    expect(runner.child.exitCode).toBeNull();
    expect(runner.child.signalCode).toBeNull();
    const done = completions(readTrace(trace));
    for (const id of accepted) for (const step of ['one', 'two', 'three']) expect(done.get(`${id}/${step}`), `${id}/${step}`).toBe(1);
    // New work is taken as before.
    await fire();
    expect(answers.at(-1)!.status).toBe(202);
  });
});
