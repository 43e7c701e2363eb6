import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RetentionConfig } from '../src/config';
import { ConfigError, loadConfig } from '../src/config';
import { defineTool } from '../src/tools/tool';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { connectLive, waitUntil } from './helpers/live-client';
import { startServer, testStore, type TestServer } from './helpers/server';
import { totalChanges } from './helpers/total-changes';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** A clock the test moves: retention's cutoffs and the rows' timestamps both read it. */
function testClock(start = Date.parse('2026-03-01T10:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const settings = (over: Partial<RetentionConfig>): RetentionConfig => ({
  days: 30,
  maxExecutions: null,
  // Runs only when a test asks (`retention.run()`), except where the schedule itself is tested.
  intervalMs: 3_600_000,
  startDelayMs: 3_600_000,
  compactAfterMs: 1000 * DAY,
  batchRows: 500,
  batchMs: 10_000,
  ...over,
});

let s: TestServer;
let runner: FakeRunner;
afterEach(async () => {
  runner?.close();
  await s?.close();
});

async function start(retention: Partial<RetentionConfig>, clock = testClock()) {
  s = await startServer({ clock, config: { engineTickMs: 50, retention: settings(retention) } });
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 50 });
  return clock;
}

const oneStep = { name: 'Echo', steps: [{ id: 'say', type: 'bash', command: 'echo hi' }] };
const gated = {
  name: 'Gated',
  steps: [
    { id: 'say', type: 'bash', command: 'echo hi' },
    { id: 'gate', type: 'approval', message: 'Ship it?', allowSelfApproval: true, timeoutSeconds: 30 * 86_400 },
  ],
};

async function workflow(definition: unknown = oneStep): Promise<string> {
  return (await s.request('POST', '/api/workflows', { body: { definition } })).body.id;
}

async function startRun(workflowId: string, sessionId?: string) {
  const res = await s.request('POST', `/api/workflows/${workflowId}/run`, { body: sessionId ? { sessionId } : {} });
  expect(res.status).toBe(202);
  const executionId: string = res.body.executionId;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId));
  return { executionId, grant: runner.grants.find((g) => g.executionId === executionId)! };
}

const stepLogs = (lines: number, from = 2) =>
  Array.from({ length: lines }, (_, i) => ({
    seq: from + i,
    type: 'step.log',
    stepId: 'say',
    iterationPath: '',
    attempt: 1,
    stream: 'stdout',
    text: `line ${i}\n`,
  }));

/** A run to the end through the runner: a step with `logLines` lines of output, then success. */
async function finishedRun(workflowId: string, { sessionId, logLines = 2 }: { sessionId?: string; logLines?: number } = {}) {
  const { executionId, grant } = await startRun(workflowId, sessionId);
  const seq = 2 + logLines;
  const ack = await runner.events(grant, [
    { seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 },
    ...stepLogs(logLines),
    { seq, type: 'step.succeeded', stepId: 'say', iterationPath: '', attempt: 1, output: { stdout: 'hi' } },
    { seq: seq + 1, type: 'execution.finished', status: 'succeeded' },
  ]);
  expect(ack.type).toBe('ack');
  return executionId;
}

/** A run stopped at its approval step: `waiting`, no runner holds it. */
async function waitingRun(workflowId: string) {
  const { executionId, grant } = await startRun(workflowId);
  await runner.events(grant, [
    { seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 },
    { seq: 2, type: 'step.succeeded', stepId: 'say', iterationPath: '', attempt: 1, output: 'hi' },
    { seq: 3, type: 'step.started', stepId: 'gate', iterationPath: '', attempt: 1 },
    {
      seq: 4,
      type: 'step.waiting',
      stepId: 'gate',
      iterationPath: '',
      attempt: 1,
      wait: {
        kind: 'approval',
        message: 'Ship it?',
        approvers: {},
        minApprovals: 1,
        allowSelfApproval: true,
        timeoutSeconds: 30 * 86_400,
        onDeny: 'fail',
        onTimeout: 'fail',
      },
    },
  ]);
  await waitUntil(async () => (await s.request('GET', `/api/executions/${executionId}`)).body.status === 'waiting');
  return executionId;
}

const statusOf = async (id: string) => (await s.request('GET', `/api/executions/${id}`)).status;
const count = (sql: string, ...args: unknown[]) => (s.app.db.prepare(sql).get(...args) as { n: number }).n;

describe('configuration', () => {
  it('refuses a count limit of 0 or below, naming the variable; unset means no limit', () => {
    for (const value of ['0', '-5', '2.5']) {
      expect(() => loadConfig({ WEFT_RETENTION_MAX_EXECUTIONS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ WEFT_RETENTION_MAX_EXECUTIONS: value })).toThrow(/WEFT_RETENTION_MAX_EXECUTIONS/);
    }
    expect(loadConfig({}).retention).toMatchObject({ days: 30, maxExecutions: null });
    expect(loadConfig({ WEFT_RETENTION_MAX_EXECUTIONS: '2000', WEFT_JOURNAL_COMPACT_AFTER_HOURS: '0.5' }).retention).toMatchObject({
      maxExecutions: 2000,
      compactAfterMs: 30 * 60 * 1000,
    });
    expect(() => loadConfig({ WEFT_RETENTION_DAYS: '-1' })).toThrow(/WEFT_RETENTION_DAYS/);
  });
});

describe('pruning', () => {
  it('prunes finished runs by age with every row keyed by them, and keeps newer ones', async () => {
    const clock = await start({ days: 30 });
    const wf = await workflow();
    const old = await finishedRun(wf, { logLines: 3 });
    // A templated git workspace's repository, bound when its credential was issued (git-credential-routes.ts).
    s.app.db
      .prepare(
        "INSERT INTO execution_git_repos (execution_id, step_id, iteration_path, integration, url, bound_at) VALUES (?, 'say', '', 'gh', 'https://github.com/o/r', 'then')",
      )
      .run(old);
    clock.advance(20 * DAY);
    const recent = await finishedRun(wf);
    expect(count('SELECT COUNT(*) AS n FROM step_runs WHERE execution_id = ?', old)).toBeGreaterThan(0);
    clock.advance(11 * DAY);

    const run = await s.app.retention.run();
    expect(run.prunedExecutions).toEqual({ byAge: 1, byCount: 0 });
    expect(await statusOf(old)).toBe(410);
    expect(await statusOf(recent)).toBe(200);
    for (const table of ['step_runs', 'runner_cursors', 'execution_git_repos']) {
      expect(count(`SELECT COUNT(*) AS n FROM ${table} WHERE execution_id = ?`, old)).toBe(0);
    }
    expect(count('SELECT COUNT(*) AS n FROM events WHERE topic = ?', `execution:${old}`)).toBe(0);
    expect(run.rows).toMatchObject({ executions: 1, step_runs: 1, events: expect.any(Number) });

    const report = await s.request('GET', '/api/retention');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      settings: { days: 30, maxExecutions: null },
      lastRun: { prunedExecutions: { byAge: 1, byCount: 0 } },
      totals: { executions: 1 },
      database: { autoVacuum: testStore() === 'postgres' ? 'postgres' : 'incremental' },
    });
  });

  it('prunes old deliveries that started no run and old counts of refused calls; keeps newer ones and those of kept runs', async () => {
    const clock = await start({ days: 30 });
    const wf = await workflow();
    const saved = await s.request('PUT', '/api/triggers/hook', {
      body: { workflowId: wf, type: 'webhook', enabled: true, webhook: { path: 'ops/hook', verify: 'none' } },
    });
    expect(saved.status).toBe(200);
    const post = (query = '', headers: Record<string, string> = {}) =>
      fetch(`${s.url}/hooks/ops/hook${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    const oldTest = ((await (await post('?test=1')).json()) as { deliveryId: string }).deliveryId;
    expect((await post('', { 'x-weft-delivery': 'd-1' })).status).toBe(202);
    expect((await post('', { 'x-weft-delivery': 'd-1' })).status).toBe(202); // a duplicate: the same run, counted, no row
    const counts = () => count('SELECT COUNT(*) AS n FROM trigger_delivery_counts');
    expect(counts()).toBe(1);
    clock.advance(31 * DAY);
    const newTest = ((await (await post('?test=1')).json()) as { deliveryId: string }).deliveryId;

    const run = await s.app.retention.run();
    const ids = (s.app.db.prepare('SELECT id FROM trigger_deliveries').all() as { id: string }[]).map((r) => r.id);
    expect(ids).not.toContain(oldTest);
    expect(ids).toContain(newTest);
    // The started delivery's run is still queued (the runner never finished it): kept with its delivery.
    expect(count('SELECT COUNT(*) AS n FROM trigger_deliveries WHERE execution_id IS NOT NULL')).toBe(1);
    expect(counts()).toBe(0);
    expect(run.rows).toMatchObject({ trigger_deliveries: 1, trigger_delivery_counts: 1 });
  });

  it('keeps queued, running and waiting runs and the runs of a chat while it exists; the chat gone, they may go', async () => {
    await start({ maxExecutions: 1 });
    const wf = await workflow();
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    const inChat = await finishedRun(wf, { sessionId: session.id });
    const plain = await finishedRun(wf);
    const newest = await finishedRun(wf);
    const waiting = await waitingRun(await workflow(gated));
    const { executionId: running, grant } = await startRun(wf);
    await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 }]);

    const first = await s.app.retention.run();
    expect(first.prunedExecutions.byCount).toBe(1);
    expect(await statusOf(plain)).toBe(410);
    for (const kept of [inChat, newest, waiting, running]) expect(await statusOf(kept)).toBe(200);

    expect((await s.request('DELETE', `/api/sessions/${session.id}`)).status).toBeLessThan(300);
    await s.app.retention.run();
    expect(await statusOf(inChat)).toBe(410);
    for (const kept of [newest, waiting, running]) expect(await statusOf(kept)).toBe(200);
  });

  it("deletes a denied run's approval and its decisions with it", async () => {
    await start({ maxExecutions: 1 });
    const denied = await waitingRun(await workflow(gated));
    const approval = (await s.request('GET', '/api/approvals?status=pending')).body.approvals.find((a: any) => a.executionId === denied);
    const decided = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'deny', comment: 'no' } });
    expect(decided.status).toBe(200);
    await waitUntil(async () => ['denied', 'failed'].includes((await s.request('GET', `/api/executions/${denied}`)).body.status));
    expect(count('SELECT COUNT(*) AS n FROM approval_decisions WHERE approval_id = ?', approval.id)).toBe(1);
    await finishedRun(await workflow());

    const run = await s.app.retention.run();
    expect(run.prunedExecutions.byCount).toBe(1);
    expect(await statusOf(denied)).toBe(410);
    expect(count('SELECT COUNT(*) AS n FROM approvals WHERE execution_id = ?', denied)).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM approval_decisions WHERE approval_id = ?', approval.id)).toBe(0);
    expect(run.rows).toMatchObject({ approvals: 1, approval_decisions: 1 });
  });

  it("deletes a run's held tool call with it: the call records its execution, which the inbox filters by", async () => {
    await start({ maxExecutions: 1 });
    // A destructive tool a workflow may call only once a person allows it (as an integration's would be).
    s.app.tools.register([
      defineTool({ name: 'test:erase', description: 'Erases', args: z.object({}), effect: 'destructive', inWorkflows: 'allowed', run: () => 'erased' }),
    ]);
    const { executionId, grant } = await startRun(await workflow());
    const held = s.request('POST', '/api/tools/call', {
      token: s.runnerToken,
      body: { name: 'test:erase', arguments: {}, context: { executionId, stepId: 'say', runnerId: runner.runnerId, leaseAttempt: grant.attempt } },
    });
    let approval: any;
    await waitUntil(async () => {
      approval = (await s.request('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals.find((a: any) => a.kind === 'tool');
      return approval !== undefined;
    });
    expect(approval).toMatchObject({ executionId, stepId: 'say', iterationPath: '', workflowId: expect.stringMatching(/^wf_/) });
    const events = (await s.request('GET', `/api/events?topic=execution:${executionId}&limit=1000`)).body.events;
    expect(events.filter((e: any) => e.data?.id === approval.id).map((e: any) => e.type)).toEqual(['approval.requested']);
    expect((await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'deny' } })).status).toBe(200);
    expect((await held).status).toBe(403);
    await runner.events(grant, [
      { seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 },
      { seq: 2, type: 'step.succeeded', stepId: 'say', iterationPath: '', attempt: 1, output: 'hi' },
      { seq: 3, type: 'execution.finished', status: 'succeeded' },
    ]);
    await finishedRun(await workflow());

    const run = await s.app.retention.run();
    expect(run.prunedExecutions.byCount).toBe(1);
    expect(await statusOf(executionId)).toBe(410);
    expect(count('SELECT COUNT(*) AS n FROM tool_approvals WHERE id = ?', approval.id)).toBe(0);
    expect(run.rows).toMatchObject({ tool_approvals: 1 });
  });

  it('deletes in transactions of at most the batch size and yields between them', async () => {
    const batchRows = 7;
    await start({ maxExecutions: 1, batchRows });
    const wf = await workflow();
    const big = await finishedRun(wf, { logLines: 40 });
    await finishedRun(wf, { logLines: 5 });
    await finishedRun(wf);

    // Measured beside the pruner's own tally: the rows each retention transaction changed.
    const { db, journal } = s.app;
    const changes = totalChanges(db);
    const perTransaction: number[] = [];
    const original = journal.transaction;
    journal.transaction = ((fn: () => unknown) => {
      const before = changes.get();
      const value = original(fn);
      perTransaction.push(changes.get() - before);
      return value;
    }) as typeof journal.transaction;
    let run: Awaited<ReturnType<typeof s.app.retention.run>>;
    try {
      run = await s.app.retention.run();
    } finally {
      journal.transaction = original;
      changes.stop();
    }
    expect(await statusOf(big)).toBe(410);
    expect(run.prunedExecutions.byCount).toBe(2);
    expect(run.maxRowsPerTransaction).toBeLessThanOrEqual(batchRows);
    expect(run.transactions).toBeGreaterThan(6);
    // The run's last transaction saves its report; the others delete at most the batch (+1: the
    // remembered newest pruned id, updated beside the execution row).
    const deleting = perTransaction.slice(0, -1);
    expect(deleting.length).toBeGreaterThan(6);
    expect(Math.max(...deleting)).toBeLessThanOrEqual(batchRows + 1);
  });

  it('ends a transaction once past batchMs, after one step of work at least: on a slow store the walks still finish', async () => {
    // batchMs 0: every transaction is past it at once, so each does exactly one step.
    await start({ maxExecutions: 1, batchMs: 0 });
    const wf = await workflow();
    const pruned = [await finishedRun(wf), await finishedRun(wf), await finishedRun(wf)];
    const kept = await finishedRun(wf);
    const run = await s.app.retention.run();
    expect(run.prunedExecutions.byCount).toBe(3);
    for (const id of pruned) expect(await statusOf(id)).toBe(410);
    expect(await statusOf(kept)).toBe(200);
    // The count walk: a scan, then each of the four runs in a transaction of its own. The walk over
    // every topic left: one per topic, and one that finds no more.
    const topics = count('SELECT COUNT(DISTINCT topic) AS n FROM events');
    expect(run.transactions).toBeGreaterThanOrEqual(1 + pruned.length + 1 + topics + 1);
  });

  it('looks at one topic per transaction past batchMs when compacting', async () => {
    // Nothing to prune (no age or count limit): the run is the walk over every topic.
    const clock = await start({ days: 0, compactAfterMs: HOUR, batchMs: 0 });
    const wf = await workflow();
    for (let i = 0; i < 6; i++) await finishedRun(wf);
    clock.advance(2 * HOUR);
    const topics = count('SELECT COUNT(DISTINCT topic) AS n FROM events');
    expect(topics).toBeGreaterThan(6);
    const run = await s.app.retention.run();
    expect(run.compactedTopics).toBeGreaterThanOrEqual(6);
    expect(run.transactions).toBeGreaterThan(topics);
  });

  it('runs shortly after start and then on its interval, and reports it', async () => {
    s = await startServer({ config: { engineTickMs: 50, retention: settings({ maxExecutions: 1, intervalMs: 200, startDelayMs: 50 }) } });
    runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 50 });
    await waitUntil(async () => (await s.request('GET', '/api/retention')).body.lastRun !== null);
    const wf = await workflow();
    const first = await finishedRun(wf);
    await finishedRun(wf);
    await waitUntil(async () => (await statusOf(first)) === 410, 10_000, 'the scheduled run to prune');
    // The run's report is saved in its last transaction, after the deletes the 410 shows.
    await waitUntil(async () => (await s.request('GET', '/api/retention')).body.totals.executions >= 1, 10_000, 'the run to report');
  });
});

describe('pruned and compacted topics', () => {
  it('answers 410 topic_pruned over HTTP and WS for a pruned run, 404 for one that never existed', async () => {
    await start({ maxExecutions: 1 });
    const wf = await workflow();
    const gone = await finishedRun(wf);
    await finishedRun(wf);
    await s.app.retention.run();

    const run = await s.request('GET', `/api/executions/${gone}`);
    expect(run.status).toBe(410);
    expect(run.body.error).toMatchObject({ code: 'execution_pruned', message: expect.stringContaining(gone) });
    const events = await s.request('GET', `/api/events?topic=execution:${gone}`);
    expect(events.status).toBe(410);
    expect(events.body.error.code).toBe('topic_pruned');
    expect((await s.request('GET', '/api/events?topic=execution:ex_zzzzzzzzzzzzzzzzzzzz')).status).toBe(404);

    const live = await connectLive(s.url, { token: s.token });
    live.send({ type: 'subscribe', id: 1, topic: `execution:${gone}` });
    expect(await live.waitFor((f) => f.type === 'error' && f.id === 1)).toMatchObject({ code: 'topic_pruned', topic: `execution:${gone}` });
    live.close();
  });

  it('compacts a finished run after the grace period: its page still shows steps and logs, replay from before answers 410', async () => {
    const clock = await start({ compactAfterMs: 2 * HOUR, batchRows: 5 });
    const wf = await workflow();
    const id = await finishedRun(wf, { logLines: 12 });
    const before = (await s.request('GET', `/api/executions/${id}`)).body;
    const topic = `execution:${id}`;
    const head = (await s.request('GET', `/api/events?topic=${topic}&limit=1`)).body.lastSeq;

    expect((await s.app.retention.run()).compactedTopics).toBe(0);
    clock.advance(3 * HOUR);
    const run = await s.app.retention.run();
    expect(run.compactedTopics).toBeGreaterThanOrEqual(2); // the run's topic and the executions list
    expect(run.maxRowsPerTransaction).toBeLessThanOrEqual(5);

    const after = (await s.request('GET', `/api/executions/${id}`)).body;
    expect(after.status).toBe('succeeded');
    expect(after.steps).toEqual([{ ...before.steps[0], log: [{ stream: 'stdout', text: Array.from({ length: 12 }, (_, i) => `line ${i}\n`).join('') }] }]);

    const replay = await s.request('GET', `/api/events?topic=${topic}&after=0`);
    expect(replay.status).toBe(410);
    expect(replay.body.error).toMatchObject({ code: 'topic_pruned', details: { prunedThrough: head - 1, lastSeq: head } });
    const tail = await s.request('GET', `/api/events?topic=${topic}&after=${head - 1}`);
    expect(tail.status).toBe(200);
    expect(tail.body.events.map((e: any) => e.seq)).toEqual([head]);

    const live = await connectLive(s.url, { token: s.token });
    live.send({ type: 'subscribe', id: 'a', topic, after: 3 });
    expect(await live.waitFor((f) => f.type === 'error' && f.id === 'a')).toMatchObject({ code: 'topic_pruned', topic, lastSeq: head });
    live.send({ type: 'subscribe', id: 'b', topic, after: head });
    expect(await live.waitFor((f) => f.type === 'subscribed' && f.id === 'b')).toMatchObject({ lastSeq: head });
    live.close();
  });
});

describe('file size', () => {
  // PostgreSQL's space is its own (autovacuum): there the file-space part is skipped and reported as
  // such, which this file's run on PostgreSQL (the server-postgres project) checks instead.
  if (testStore() === 'postgres') {
    it('on PostgreSQL: no file-space work, and the report says so', async () => {
      await start({ maxExecutions: 1 });
      const wf = await workflow();
      await finishedRun(wf);
      await finishedRun(wf);
      const run = await s.app.retention.run();
      expect(run.prunedExecutions.byCount).toBe(1);
      expect(run.vacuumedPages).toBe(0);
      const { database } = (await s.request('GET', '/api/retention')).body;
      expect(database).toMatchObject({ autoVacuum: 'postgres', pageSize: 8192, freePages: 0 });
      expect(database.pages).toBeGreaterThan(0);
    });
    return;
  }

  it('stops growing over prune cycles: freed pages are given back and reused', async () => {
    await start({ maxExecutions: 5, compactAfterMs: 0 });
    const wf = await workflow();
    // The audit trail records every start and has its own retention (WEFT_AUDIT_RETENTION_DAYS,
    // whole days): its pages are left out, everything else must stay flat.
    const auditPages = s.app.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM dbstat WHERE name LIKE 'audit_log%'");
    const pages: number[] = [];
    for (let cycle = 0; cycle < 5; cycle++) {
      for (let i = 0; i < 15; i++) await finishedRun(wf, { logLines: 20 });
      const run = await s.app.retention.run();
      expect(run.prunedExecutions.byCount).toBe(cycle === 0 ? 10 : 15);
      const { database } = (await s.request('GET', '/api/retention')).body;
      expect(database.freePages).toBe(0);
      pages.push(database.pages - auditPages.get()!.n);
    }
    for (const p of pages.slice(1)) expect(p).toBeLessThanOrEqual(pages[0]!);
  });
});
