import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_GONE_AFTER_MS } from '../../src/cluster/server-liveness';
import { wipeTool } from '../helpers/wipe-tool';
import { connectFakeRunner, type FakeRunner } from '../helpers/fake-runner';
import { connectLive, waitUntil } from '../helpers/live-client';
import { startServer, type TestServer } from '../helpers/server';
import { weftHeaders } from '../helpers/webhook-signers';
import { usePostgres, namedConnection } from '../support/use-postgres';

/**
 * Two servers in this process on one PostgreSQL database (issue 21, slice 3): A holds the runner
 * and ticks only once a minute, so whatever reaches it from B came over the database (LISTEN/NOTIFY
 * and reads by seq), not from a periodic pass. Each server has its own connection name, as two
 * machines would (group commit is kept per database name in a process).
 */

const postgres = usePostgres();
let url: string;
let a: TestServer;
let b: TestServer;
let runner: FakeRunner;
/** What A's destructive test tool really did. */
const ran: string[] = [];
/** The person each call acted as (the one who approved it). */
const actedAs = new Map<string, string | undefined>();

beforeAll(async () => {
  url = await postgres.server().createDatabase();
  a = await startServer({ env: { WEFT_DATABASE_URL: namedConnection(url, 'weft-a') }, config: { engineTickMs: 60_000, leaseMs: 600_000 } });
  b = await startServer({ env: { WEFT_DATABASE_URL: namedConnection(url, 'weft-b') }, config: { leaseMs: 600_000 } });
  a.app.tools.register([
    wipeTool((target, ctx) => {
      ran.push(target);
      actedAs.set(target, ctx.personId);
    }),
  ]);
  runner = await connectFakeRunner(a.url, a.runnerToken, { capacity: 20 });
  for (const s of [a, b]) await waitUntil(() => s.app.cluster.listener?.listening === true, 10_000, 'LISTEN');
}, 60_000);
afterAll(async () => {
  runner?.close();
  await b?.close();
  await a?.close();
});

const definition = (name: string) => ({ name, steps: [{ id: 'say', type: 'bash', command: 'echo hello' }] });

async function workflowOn(s: TestServer, name: string): Promise<string> {
  const wf = await s.request('POST', '/api/workflows', { body: { definition: definition(name) } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  return wf.body.id as string;
}

/** Runs a new workflow from `s` and waits for A's runner to hold its lease. */
async function leasedFrom(s: TestServer, name: string) {
  const workflowId = await workflowOn(s, name);
  const run = await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, `the lease of ${executionId} on A's runner`);
  return runner.grants.find((g) => g.executionId === executionId)!;
}

const logLines = (from: number, count: number, seq: number) =>
  Array.from({ length: count }, (_, i) => ({
    seq: seq + i,
    type: 'step.log',
    stepId: 'say',
    iterationPath: '',
    attempt: 1,
    stream: 'stdout',
    text: `line ${from + i}\n`,
  }));

async function terminateListen(s: TestServer): Promise<void> {
  const admin = new pg.Client({ connectionString: postgres.server().url });
  await admin.connect();
  try {
    const killed = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [
      `weft-listen ${s.app.cluster.liveness.id}`,
    ]);
    expect(killed.rows).toEqual([{ ok: true }]);
  } finally {
    await admin.end();
  }
}

describe('two servers on one PostgreSQL', () => {
  it("B, with no runner of its own, is ready while A's runner is connected, and not once it is gone", async () => {
    // A's row says how many runners it has; B counts them (rows are refreshed every second).
    await waitUntil(async () => (await b.request('GET', '/api/ready')).status === 200, 10_000, 'B ready through A');
    const ready = await b.request('GET', '/api/ready');
    expect(ready.body.checks.runner).toEqual({ ok: true, connected: 0, elsewhere: 1 });
    expect((await a.request('GET', '/api/ready')).body.checks.runner).toEqual({ ok: true, connected: 1, elsewhere: 0 });
    const extra = await connectFakeRunner(b.url, b.runnerToken, { capacity: 1 });
    try {
      await waitUntil(async () => (await a.request('GET', '/api/ready')).body.checks?.runner?.elsewhere === 1, 10_000, "A sees B's runner");
    } finally {
      extra.close();
    }
    await waitUntil(async () => (await a.request('GET', '/api/ready')).body.checks?.runner?.elsewhere === 0, 10_000, "B's runner gone from A's view");
  });

  it("a live socket on B sees A's events in order, gap-free and once, across a killed and restored LISTEN connection", async () => {
    const grant = await leasedFrom(a, 'Watched');
    const topic = `execution:${grant.executionId}`;
    const live = await connectLive(b.url, { token: b.token });
    try {
      live.send({ type: 'subscribe', id: 1, topic, after: 0 });
      await live.waitFor((f) => f.type === 'subscribed' && f.topic === topic);
      const seen = () => live.frames.filter((f) => f.type === 'event' && f.event.topic === topic).map((f) => f.event);

      expect(await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 }, ...logLines(0, 20, 2)])).toMatchObject(
        {
          type: 'ack',
          seq: 21,
        },
      );
      await live.waitFor((f) => f.type === 'event' && f.event.type === 'step.log' && f.event.data.text === 'line 19\n');

      const listener = b.app.cluster.listener!;
      const before = listener.connections;
      await terminateListen(b);
      // Written at once, while B's LISTEN connection is down (it waits at least 100 ms to reconnect):
      // their notifications reach nobody on B; B reads them by seq once LISTEN is back.
      const during = a.app.engine.ingest({
        runnerId: runner.runnerId,
        executionId: grant.executionId,
        attempt: grant.attempt,
        events: logLines(20, 20, 22) as never,
      });
      expect(during).toMatchObject({ type: 'ack', seq: 41 });
      await a.app.journal.durable();
      expect(listener.connections).toBe(before);
      await waitUntil(() => listener.connections > before && listener.listening, 10_000, "B's LISTEN reconnect");
      // Nothing else is written: only the catch-up after the reconnect can bring these.
      await waitUntil(() => seen().some((e) => e.seq === 41), 10_000, 'the events written while B did not listen');
      expect(await runner.events(grant, logLines(40, 20, 42))).toMatchObject({ type: 'ack', seq: 61 });

      const stored = (await a.request('GET', `/api/events?topic=${topic}&limit=1000`)).body.events as { seq: number }[];
      const last = stored.at(-1)!.seq;
      await waitUntil(() => seen().some((e) => e.seq === last), 10_000, 'the last event on B');
      const events = seen();
      expect(events.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      expect(events.filter((e) => e.type === 'step.log').map((e) => e.data.text)).toEqual(Array.from({ length: 60 }, (_, i) => `line ${i}\n`));
    } finally {
      live.close();
    }
  });

  it('a webhook ?wait on B answers for a run queued on B and run by the runner on A', async () => {
    const workflowId = await workflowOn(b, 'Hooked');
    const put = await b.request('PUT', '/api/triggers/cluster-hook', { body: { workflowId, type: 'webhook', enabled: true, webhook: { path: 'in/cluster' } } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const secret = put.body.webhook.secret as string;
    const body = '{"hello":"cluster"}';
    const target = '/hooks/in/cluster?wait=20';
    const answer = fetch(`${b.url}${target}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...weftHeaders({ secret, target, body, ts: Math.floor(Date.now() / 1000) }) },
      body,
    });
    // A ticks once a minute: the lease comes from B's queued event, followed by A.
    await waitUntil(
      () => runner.grants.some((g) => (g as { trigger?: { key?: string } }).trigger?.key === 'cluster-hook'),
      10_000,
      "the webhook run's lease on A",
    );
    const grant = runner.grants.find((g) => (g as { trigger?: { key?: string } }).trigger?.key === 'cluster-hook')!;
    await runner.events(grant, [
      { seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 },
      { seq: 2, type: 'step.succeeded', stepId: 'say', iterationPath: '', attempt: 1, output: { stdout: 'hello\n' } },
      { seq: 3, type: 'execution.finished', status: 'succeeded', output: { stdout: 'hello\n' } },
    ]);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ executionId: grant.executionId, status: 'succeeded' });
  });

  it("a cancel on B reaches the step running on A's runner", async () => {
    const grant = await leasedFrom(b, 'Canceled');
    await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 }]);
    const canceled = await b.request('POST', `/api/executions/${grant.executionId}/cancel`, { body: {} });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect(await runner.waitFor((f) => f.type === 'cancel' && f.executionId === grant.executionId)).toMatchObject({
      attempt: grant.attempt,
      reason: 'canceled',
    });
  });

  /** A held call of A's runner, its request waiting on A. */
  async function heldOnA(target: string) {
    const grant = await leasedFrom(a, `Held ${target}`);
    const call = a.request('POST', '/api/tools/call', {
      token: a.runnerToken,
      body: {
        name: 'test:wipe',
        arguments: { target },
        context: { executionId: grant.executionId, stepId: 'say', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
      },
    });
    let approvalId = '';
    await waitUntil(
      () => {
        const row = a.app.db
          .prepare<[string], { id: string }>("SELECT id FROM tool_approvals WHERE execution_id = ? AND status = 'pending'")
          .get(grant.executionId);
        approvalId = row?.id ?? '';
        return row !== undefined;
      },
      10_000,
      'the held call',
    );
    return { call, approvalId };
  }

  it('a held tool call decided on B settles on A, where its request waits (approved runs, denied does not)', async () => {
    const approved = await heldOnA('approved-on-b');
    const denied = await heldOnA('denied-on-b');
    expect((await b.request('POST', `/api/approvals/${approved.approvalId}/decision`, { body: { decision: 'approve' } })).status).toBe(200);
    expect((await b.request('POST', `/api/approvals/${denied.approvalId}/decision`, { body: { decision: 'deny', comment: 'not today' } })).status).toBe(200);
    const ok = await approved.call;
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const refused = await denied.call;
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'tool_call_denied' });
    expect(refused.body.error.message).toMatch(/not today/);
    expect(ran.filter((t) => t.endsWith('-on-b'))).toEqual(['approved-on-b']);
    // As the person who approved it on B.
    expect(actedAs.get('approved-on-b')).toBe('owner');
  });

  it("an agent's ask decided on B answers the runner's long poll waiting on A at once, not at its timeout", async () => {
    const workflow = await a.request('POST', '/api/workflows', {
      body: { definition: { name: 'Asks across servers', steps: [{ id: 'fix', type: 'agent_prompt', prompt: 'Fix the failing test' }] } },
    });
    expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
    const run = await a.request('POST', `/api/workflows/${workflow.body.id}/run`, { body: {} });
    const executionId = run.body.executionId as string;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const body = (waitMs: number) => ({
      key: 'fix||toolu_1',
      kind: 'tool',
      tool: { name: 'workspace:bash', arguments: { command: 'npm test' } },
      preview: { command: 'npm test' },
      waitMs,
      context: { executionId, stepId: 'fix', iterationPath: '', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
    });
    const created = await a.request('POST', '/api/tools/ask', { token: a.runnerToken, body: body(0) });
    expect(created.body).toMatchObject({ status: 'pending' });
    // The longest poll there is (25 s): only a wake-up from B's decision answers it within the wait below.
    let answered: { status?: string } | null = null;
    const poll = a.request('POST', '/api/tools/ask', { token: a.runnerToken, body: body(25_000) }).then((res) => (answered = res.body));
    await new Promise((r) => setTimeout(r, 200));
    const decided = await b.request('POST', `/api/approvals/${created.body.approvalId}/decision`, { body: { decision: 'approve' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await waitUntil(() => answered !== null, 10_000, "A's long poll answered");
    expect(answered).toMatchObject({ status: 'approved' });
    await poll;
  });

  it("a server starting expires the held calls of gone servers only, never those a live server's request waits for", async () => {
    const live = await heldOnA('held-through-a-start');
    // A server that died a minute ago, with a call still pending.
    a.app.db
      .prepare("INSERT INTO servers (id, host, pid, started_at, seen_at) VALUES ('srv_gone', 'elsewhere', 1, '2026-01-01T00:00:00.000Z', ?)")
      .run(Date.now() - 60_000);
    a.app.db
      .prepare(
        `INSERT INTO tool_approvals (id, tool, arguments, message, status, requested_at, expires_at, iteration_path, held_by)
         VALUES ('tap_of_gone', 'test:wipe', '{}', 'x', 'pending', '2026-01-01T00:00:00.000Z', ?, '', 'srv_gone')`,
      )
      .run(Date.now() + 3_600_000);
    const c = await startServer({ env: { WEFT_DATABASE_URL: namedConnection(url, 'weft-c') } });
    try {
      const status = (id: string) =>
        c.app.db.prepare<[string], { status: string; decided_by: string | null }>('SELECT status, decided_by FROM tool_approvals WHERE id = ?').get(id);
      expect(status('tap_of_gone')).toEqual({ status: 'expired', decided_by: 'restart' });
      expect(status(live.approvalId)).toEqual({ status: 'pending', decided_by: null });
      // Decided on the new server: A's request goes on.
      expect((await c.request('POST', `/api/approvals/${live.approvalId}/decision`, { body: { decision: 'approve' } })).status).toBe(200);
      expect((await live.call).status).toBe(200);
      expect(ran).toContain('held-through-a-start');
    } finally {
      await c.close();
    }
  });

  it('a live server expires the held calls of a server that stops being seen, and is not taken for gone however slowly it ticks', async () => {
    const seen = Date.now();
    b.app.db.prepare("INSERT INTO servers (id, host, pid, started_at, seen_at) VALUES ('srv_silent', 'elsewhere', 1, '2026-01-01T00:00:00.000Z', ?)").run(seen);
    b.app.db
      .prepare(
        `INSERT INTO tool_approvals (id, tool, arguments, message, status, requested_at, expires_at, iteration_path, held_by)
         VALUES ('tap_of_silent', 'test:wipe', '{}', 'x', 'pending', '2026-01-01T00:00:00.000Z', ?, '', 'srv_silent')`,
      )
      .run(seen + 3_600_000);
    const status = () => b.app.db.prepare<[], string>("SELECT status FROM tool_approvals WHERE id = 'tap_of_silent'").pluck().get();
    // Seen just now: alive, its call stays.
    b.app.toolApprovals.expireOrphaned();
    expect(status()).toBe('pending');
    // A ticks its engine once a minute, yet its row is refreshed every second: never taken for gone.
    const rowOfA = () =>
      a.app.db
        .prepare<[string], { started_at: string; seen_at: number }>('SELECT started_at, seen_at FROM servers WHERE id = ?')
        .get(a.app.cluster.liveness.id)!;
    await waitUntil(() => rowOfA().seen_at > Date.parse(rowOfA().started_at), 5_000, "A's row refreshed");
    expect(b.app.cluster.liveness.isGone(a.app.cluster.liveness.id)).toBe(false);
    // Not seen for longer than SERVER_GONE_AFTER_MS: gone, and B (a look every 2 s) expires its call.
    b.app.db.prepare("UPDATE servers SET seen_at = ? WHERE id = 'srv_silent'").run(seen - SERVER_GONE_AFTER_MS - 1_000);
    await waitUntil(() => status() === 'expired', 10_000, 'the silent server’s call expired');
    // Journaled, so cards close wherever they are shown (and a holder that was only slow hears it).
    const feed = (await a.request('GET', '/api/events?topic=approvals&limit=1000')).body.events as { type: string; data: { id: string; status: string } }[];
    expect(feed.filter((e) => e.data.id === 'tap_of_silent').map((e) => [e.type, e.data.status])).toEqual([['approval.decided', 'expired']]);
  });
  it('one Idempotency-Key sent to both servers at once: one workflow, and every answer is the same one', async () => {
    const body = { definition: { name: 'Keyed across servers', steps: [{ id: 'say', type: 'bash', command: 'echo hi' }] } };
    const before = (await a.request('GET', '/api/workflows')).body.workflows.length;
    for (let round = 0; round < 5; round++) {
      const headers = { 'idempotency-key': `across-${round}` };
      // The claim on one server waits on the other's uncommitted row, then finds its answer.
      const answers = await Promise.all([a, b, a, b].map((server) => server.request('POST', '/api/workflows', { body, headers })));
      expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
      expect(answers.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(3);
    }
    expect((await b.request('GET', '/api/workflows')).body.workflows.length).toBe(before + 5);
  });
});
