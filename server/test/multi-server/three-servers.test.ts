import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace, tracedStep } from '../faults/harness';
import { waitUntil } from '../helpers/live-client';
import { usePostgres } from '../support/use-postgres';
import { type Cluster, startCluster, traceFile, waitForRunners } from './harness';

const pg = usePostgres();
const [A, B, C] = [0, 1, 2];

let cluster: Cluster;
beforeAll(async () => {
  // Three servers; runner R1 on A, R2 on B, none on C: whatever C starts or decides runs elsewhere.
  cluster = await startCluster({ postgres: pg.server(), servers: 3, runners: [[A], [B]], runnerCapacity: 4 });
  await waitForRunners(cluster, 2);
}, 90_000);
afterAll(() => cluster?.stop());

const settled = (status: string) => ['succeeded', 'failed', 'canceled'].includes(status);

describe('three servers on one PostgreSQL', { timeout: 60_000 }, () => {
  it('a schedule due every second fires once per due time, with all three servers ticking', async () => {
    const wf = await cluster.api(A, 'POST', '/api/workflows', { definition: { name: 'Every second', steps: [{ id: 'a', type: 'bash', command: 'true' }] } });
    expect(wf.status).toBe(201);
    // Every missed tick fires too (catchUp all) and runs may overlap: each due time must start exactly one run.
    const trigger = (enabled: boolean) => ({
      workflowId: wf.body.id,
      type: 'schedule',
      enabled,
      schedule: { cron: '* * * * * *', timezone: 'UTC', catchUp: 'all', overlap: 'allow' },
    });
    expect((await cluster.api(A, 'PUT', '/api/triggers/every-second', trigger(true))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 6_000)); // six due times, each raced for by three schedulers
    expect((await cluster.api(B, 'PUT', '/api/triggers/every-second', trigger(false))).status).toBe(200);

    const deliveries = await cluster.query<{ scheduled_for: string; status: string; execution_id: string | null }>(
      "SELECT scheduled_for, status, execution_id FROM trigger_deliveries WHERE trigger_key = 'every-second' ORDER BY scheduled_for",
    );
    const due = deliveries.map((d) => Number(d.scheduled_for));
    expect(due.length).toBeGreaterThanOrEqual(4);
    // Every second from the first to the last, none missing.
    expect(due.slice(1).map((t, i) => t - due[i]!)).toEqual(due.slice(1).map(() => 1000));
    expect(deliveries.map((d) => d.status)).toEqual(deliveries.map(() => 'started'));
    const runs = await cluster.query<{ id: string; trigger: string; status: string }>(
      "SELECT id, trigger, status FROM executions WHERE started_by_kind = 'schedule' AND started_by_id = 'every-second'",
    );
    expect(runs.map((r) => r.id).sort()).toEqual(deliveries.map((d) => d.execution_id).sort());
    const runTimes = runs.map((r) => Date.parse(JSON.parse(r.trigger).scheduledFor)).sort((a, b) => a - b);
    expect(runTimes).toEqual(due);
    await waitUntil(
      async () =>
        (await cluster.query<{ status: string }>('SELECT status FROM executions WHERE id = ANY($1)', [runs.map((r) => r.id)])).every((r) => settled(r.status)),
      20_000,
      'the scheduled runs to finish',
    );
  });

  it('an approval decided on C resumes a run started on C and leased through A or B', async () => {
    const trace = traceFile(cluster);
    const steps = [
      tracedStep('before', trace, { ticks: 1 }),
      { id: 'gate', type: 'approval', message: 'Go on?', allowSelfApproval: true },
      tracedStep('after', trace, { ticks: 1 }),
    ];
    const wf = await cluster.api(C, 'POST', '/api/workflows', { definition: { name: 'Gated', steps } });
    expect(wf.status).toBe(201);
    const started = await cluster.api(C, 'POST', `/api/workflows/${wf.body.id}/run`, {});
    expect(started.status).toBe(202);
    const executionId = started.body.executionId as string;
    let approvalId = '';
    await waitUntil(
      async () => {
        approvalId = (await cluster.api(C, 'GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals[0]?.id ?? '';
        return approvalId !== '';
      },
      20_000,
      'the approval',
    );
    const before = readTrace(trace).filter((t) => t.executionId === executionId);
    expect(before.filter((t) => t.what === 'end').map((t) => t.stepId)).toEqual(['before']);

    const decided = await cluster.api(C, 'POST', `/api/approvals/${approvalId}/decision`, { decision: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await waitUntil(async () => settled((await cluster.api(B, 'GET', `/api/executions/${executionId}`)).body.status), 20_000, 'the run to finish');
    expect((await cluster.api(A, 'GET', `/api/executions/${executionId}`)).body.status).toBe('succeeded');
    const after = readTrace(trace).filter((t) => t.executionId === executionId && t.what === 'end');
    expect(after.map((t) => t.stepId)).toEqual(['before', 'after']);
    // Runners are only on A (R1) and B (R2): C granted nothing.
    expect(['R1', 'R2']).toContain(after[1]!.runner);
    const approval = (await cluster.api(A, 'GET', `/api/approvals/${approvalId}`)).body;
    expect(approval.status).toBe('approved');
  });
});
