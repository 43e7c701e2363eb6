import { executionTopic, sessionTopic, APPROVALS_TOPIC } from '@weft/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/** Issue 20 §3: an agent step's asks (`POST /api/tools/ask`), who decides them, and how they end. */

let s: TestServer;
let runner: FakeRunner;
beforeAll(async () => {
  s = await startServer();
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 50 });
});
afterAll(async () => {
  runner.close();
  await s.close();
});

type Leased = { executionId: string; attempt: number; runnerId: string; sessionId: string | null };

const agentStep = (extra: Record<string, unknown> = {}) => ({ id: 'fix', type: 'agent_prompt', prompt: 'Fix the failing test', ...extra });

/** A run of a workflow with one agent step, leased by the fake runner (which then does nothing). */
async function leasedRun(
  server: TestServer,
  r: FakeRunner,
  { step = agentStep(), token = server.token, sessionId }: { step?: Record<string, unknown>; token?: string; sessionId?: string } = {},
): Promise<Leased> {
  const definition = { name: `Asks ${Math.random()}`, steps: [step, { id: 'after', type: 'bash', command: 'echo done' }] };
  const wf = await server.request('POST', '/api/workflows', { token, body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await server.request('POST', `/api/workflows/${wf.body.id}/run`, { token, body: sessionId ? { sessionId } : {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const executionId = run.body.executionId as string;
  await waitUntil(() => r.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = r.grants.find((g) => g.executionId === executionId)!;
  return { executionId, attempt: grant.attempt, runnerId: r.runnerId, sessionId: grant.sessionId };
}

const askBody = (run: Leased, over: Record<string, unknown> = {}) => ({
  key: 'fix||toolu_1',
  kind: 'tool',
  tool: { name: 'workspace:bash', arguments: { command: 'npm test' } },
  preview: { command: 'npm test' },
  waitMs: 0,
  context: { executionId: run.executionId, stepId: 'fix', iterationPath: '', runnerId: run.runnerId, leaseAttempt: run.attempt },
  ...over,
});

const ask = (server: TestServer, body: unknown) => server.request('POST', '/api/tools/ask', { token: server.runnerToken, body });
const decide = (server: TestServer, id: string, body: unknown, token = server.token) =>
  server.request('POST', `/api/approvals/${id}/decision`, { token, body });

const eventsOf = (server: TestServer, topic: string) =>
  (server.app.db.prepare('SELECT type, data FROM events WHERE topic = ? ORDER BY seq').all(topic) as { type: string; data: string }[]).map((e) => ({
    type: e.type,
    data: JSON.parse(e.data),
  }));

describe('POST /api/tools/ask', () => {
  it('creates a pending ask with its preview and approver rule, journaled on the feed, the chat and the execution', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    const run = await leasedRun(s, runner, { step: agentStep({ approvers: { roles: ['admin'] } }), sessionId: session.id });
    const res = await ask(s, askBody(run));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ approvalId: expect.stringMatching(/^tap_/), status: 'pending' });
    const got = (await s.request('GET', `/api/approvals/${res.body.approvalId}`)).body;
    expect(got).toMatchObject({
      kind: 'tool',
      ask: 'tool',
      executionId: run.executionId,
      stepId: 'fix',
      sessionId: session.id,
      tool: { name: 'workspace:bash', arguments: { command: 'npm test' } },
      preview: { command: 'npm test' },
      approvers: { roles: ['admin'] },
      status: 'pending',
      // The owner's chat, but the rule names role admin: the chat person does not bypass it.
      mayDecide: false,
      whyNot: expect.stringMatching(/role admin/),
    });
    for (const topic of [APPROVALS_TOPIC, sessionTopic(session.id), executionTopic(run.executionId)]) {
      expect(eventsOf(s, topic).filter((e) => e.type === 'approval.requested' && e.data.id === res.body.approvalId)).toHaveLength(1);
    }
    // Listed by execution and by chat.
    const byRun = (await s.request('GET', `/api/approvals?executionId=${run.executionId}`)).body.approvals;
    expect(byRun.map((a: any) => a.id)).toEqual([res.body.approvalId]);
    const byChat = (await s.request('GET', `/api/approvals?sessionId=${session.id}`)).body.approvals;
    expect(byChat.map((a: any) => a.id)).toContain(res.body.approvalId);
  });

  it('re-attaches by key (same approval), refuses the key for another call, and answers the decision with its scope', async () => {
    const run = await leasedRun(s, runner);
    const first = await ask(s, askBody(run));
    // The same call with its keys in another order is the same call.
    const again = await ask(s, askBody(run, { tool: { arguments: { command: 'npm test' }, name: 'workspace:bash' } }));
    expect(again.body.approvalId).toBe(first.body.approvalId);
    const other = await ask(s, askBody(run, { tool: { name: 'workspace:bash', arguments: { command: 'rm -rf /' } } }));
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'ask_key_conflict', message: expect.stringMatching(/^key: /) });
    const d = await decide(s, first.body.approvalId, { decision: 'approve', scope: 'step', comment: 'go on' });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ status: 'approved', scope: 'step' });
    const answered = await ask(s, askBody(run));
    expect(answered.body).toEqual({
      approvalId: first.body.approvalId,
      status: 'approved',
      decision: { decidedBy: expect.any(String), comment: 'go on', scope: 'step' },
    });
    expect(eventsOf(s, executionTopic(run.executionId)).map((e) => e.type)).toContain('approval.decided');
  });

  it('a poll resending its call is matched without parsing the stored arguments again; another key order still matches', async () => {
    const run = await leasedRun(s, runner);
    const body = askBody(run, { key: 'fix||toolu_parse', tool: { name: 'workspace:bash', arguments: { command: 'make', cwd: 'src' } } });
    const first = await ask(s, body);
    expect(first.status).toBe(200);
    const stored = (s.app.db.prepare('SELECT arguments FROM tool_approvals WHERE id = ?').get(first.body.approvalId) as { arguments: string }).arguments;
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      if (text === stored) parsed++;
      return parse(text, reviver);
    }) as typeof JSON.parse;
    let again: Awaited<ReturnType<typeof ask>>;
    try {
      again = await ask(s, body);
    } finally {
      JSON.parse = parse;
    }
    expect(again.body.approvalId).toBe(first.body.approvalId);
    expect(parsed).toBe(0);
    const reordered = await ask(s, askBody(run, { key: 'fix||toolu_parse', tool: { name: 'workspace:bash', arguments: { cwd: 'src', command: 'make' } } }));
    expect(reordered.body.approvalId).toBe(first.body.approvalId);
  });

  it('long-polls: a pending ask is answered as soon as a person decides', { timeout: 15_000 }, async () => {
    const run = await leasedRun(s, runner);
    const created = await ask(s, askBody(run));
    // waitMs is longer than this test may take: only the decision can end the poll in time.
    const polling = ask(s, askBody(run, { waitMs: 25_000 }));
    await new Promise((r) => setTimeout(r, 200));
    expect((await decide(s, created.body.approvalId, { decision: 'deny', comment: 'not on main' })).status).toBe(200);
    const res = await polling;
    expect(res.body).toMatchObject({ status: 'denied', decision: { comment: 'not on main', scope: 'once' } });
  });

  it('answers a question with the comment; approving a question needs an answer; "step" scope is for tool asks only', async () => {
    const run = await leasedRun(s, runner);
    const q = await ask(
      s,
      askBody(run, {
        key: 'fix||toolu_q',
        kind: 'question',
        tool: { name: 'agent:ask_user', arguments: { question: 'Which branch?' } },
        preview: { question: 'Which branch?' },
      }),
    );
    const id = q.body.approvalId;
    const noAnswer = await decide(s, id, { decision: 'approve' });
    expect(noAnswer.status).toBe(422);
    expect(noAnswer.body.error).toMatchObject({ code: 'answer_required', message: expect.stringMatching(/^comment: /) });
    const stepScope = await decide(s, id, { decision: 'approve', comment: 'main', scope: 'step' });
    expect(stepScope.status).toBe(422);
    expect(stepScope.body.error).toMatchObject({ code: 'invalid_scope', message: expect.stringMatching(/^scope: /) });
    expect((await decide(s, id, { decision: 'approve', comment: 'release/2.1' })).status).toBe(200);
    expect(
      (await ask(s, askBody(run, { key: 'fix||toolu_q', kind: 'question', tool: { name: 'agent:ask_user', arguments: { question: 'Which branch?' } } }))).body,
    ).toMatchObject({ status: 'approved', decision: { comment: 'release/2.1' } });
  });

  it('refuses "step" scope on a step approval and on a held call', async () => {
    const held = s.app.toolApprovals.request({ tool: 'workflows:save_workflow', args: {}, message: 'save?' });
    const res = await decide(s, held.approvalId, { decision: 'approve', scope: 'step' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_scope', message: expect.stringMatching(/^scope: /) });
    s.app.toolApprovals.decide({ id: held.approvalId, decision: 'deny', decidedBy: 'test' });
    await held.decided;
  });

  it('refuses without a lease held, from a person, and for a step that is not an agent step', async () => {
    const run = await leasedRun(s, runner);
    const stale = await ask(s, askBody(run, { context: { ...askBody(run).context, leaseAttempt: run.attempt + 1 } }));
    expect(stale.status).toBe(403);
    expect(stale.body.error.code).toBe('lease_not_held');
    const otherRunner = await ask(s, askBody(run, { context: { ...askBody(run).context, runnerId: 'someone-else' } }));
    expect(otherRunner.body.error.code).toBe('lease_not_held');
    const person = await s.request('POST', '/api/tools/ask', { body: askBody(run) });
    expect(person.status).toBe(403);
    expect(person.body.error.code).toBe('wrong_credential');
    const bash = await ask(s, askBody(run, { context: { ...askBody(run).context, stepId: 'after' } }));
    expect(bash.status).toBe(422);
    expect(bash.body.error).toMatchObject({ code: 'not_an_agent_step', message: expect.stringMatching(/^context\.stepId: /) });
    const huge = await ask(s, askBody(run, { tool: { name: 'workspace:write_file', arguments: { content: 'x'.repeat(300 * 1024) } } }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('arguments_too_large');
  });

  it('never answers 500 to any body', async () => {
    const run = await leasedRun(s, runner);
    const base = askBody(run);
    const field = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue()));
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            key: fc.oneof(field, fc.string({ minLength: 1, maxLength: 40 })),
            kind: fc.oneof(field, fc.constantFrom('tool', 'question')),
            tool: fc.oneof(field, fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), arguments: fc.jsonValue() })),
            preview: fc.oneof(field, fc.record({ command: fc.string() }, { requiredKeys: [] })),
            waitMs: fc.oneof(field, fc.constantFrom(0, -1, 25_001)),
            context: fc.oneof(field, fc.constant(base.context), fc.record({ executionId: fc.string(), stepId: fc.string(), leaseAttempt: fc.integer() })),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const res = await ask(s, body);
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
          if (res.status >= 400) expect(res.body.error.code).toEqual(expect.any(String));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('who decides an ask', () => {
  it('only people: the runner credential is refused', async () => {
    const run = await leasedRun(s, runner);
    const created = await ask(s, askBody(run));
    const res = await decide(s, created.body.approvalId, { decision: 'approve' }, s.runnerToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('wrong_credential');
  });

  it('the step approver rule binds the chat person too, and nobody named approves their own run; without approve nobody', async () => {
    const chatPerson = addPersonWithToken(s, 'admin');
    const otherAdmin = addPersonWithToken(s, 'admin');
    const approver = addPersonWithToken(s, 'approver');
    const viewer = addPersonWithToken(s, 'viewer');
    const session = (await s.request('POST', '/api/sessions', { token: chatPerson.token, body: {} })).body;
    const run = await leasedRun(s, runner, {
      step: agentStep({ approvers: { roles: ['approver'], users: [chatPerson.id] } }),
      token: chatPerson.token,
      sessionId: session.id,
    });
    const a = (await ask(s, askBody(run, { key: 'a' }))).body.approvalId;
    const refusedAdmin = await decide(s, a, { decision: 'approve' }, otherAdmin.token);
    expect(refusedAdmin.status).toBe(403);
    expect(refusedAdmin.body.error).toMatchObject({ code: 'not_an_approver', message: expect.stringMatching(/role approver/) });
    // The run's chat person started the run (and saved the workflow): named by the rule, still refused.
    const byChatPerson = await decide(s, a, { decision: 'approve' }, chatPerson.token);
    expect(byChatPerson.status).toBe(403);
    expect(byChatPerson.body.error.message).toMatch(/You started this run/);
    const listed = (await s.request('GET', `/api/approvals/${a}`, { token: chatPerson.token })).body;
    expect(listed).toMatchObject({ mayDecide: false, whyNot: expect.stringMatching(/started this run/) });
    const refusedViewer = await decide(s, a, { decision: 'approve' }, viewer.token);
    expect(refusedViewer.status).toBe(403);
    expect((await decide(s, a, { decision: 'approve' }, approver.token)).status).toBe(200);

    // A run the assistant started for them (a chat's /run) is theirs as well.
    s.app.db.prepare("UPDATE executions SET started_by_kind = 'assistant' WHERE id = ?").run(run.executionId);
    const c = (await ask(s, askBody(run, { key: 'c' }))).body.approvalId;
    const forTheirRequest = await decide(s, c, { decision: 'approve' }, chatPerson.token);
    expect(forTheirRequest.status).toBe(403);
    expect(forTheirRequest.body.error.message).toMatch(/You started this run/);
  });

  it('without a rule, the run chat person decides their own agent asks', async () => {
    const chatPerson = addPersonWithToken(s, 'admin');
    const session = (await s.request('POST', '/api/sessions', { token: chatPerson.token, body: {} })).body;
    const run = await leasedRun(s, runner, { token: chatPerson.token, sessionId: session.id });
    const b = (await ask(s, askBody(run, { key: 'b' }))).body.approvalId;
    const byChatPerson = await decide(s, b, { decision: 'deny', comment: 'no' }, chatPerson.token);
    expect(byChatPerson.status).toBe(200);
    expect(byChatPerson.body).toMatchObject({ status: 'denied', decision: { decidedBy: 'admin person', comment: 'no' } });
  });

  it("lists a run's asks with as many queries for six asks as for one (each chat and run looked up once)", async () => {
    const own = await startServer();
    try {
      const r = await connectFakeRunner(own.url, own.runnerToken, { capacity: 5 });
      const session = (await own.request('POST', '/api/sessions', { body: {} })).body;
      const run = await leasedRun(own, r, { step: agentStep({ approvers: { roles: ['admin'] } }), sessionId: session.id });
      const asked = async (n: number) => expect((await ask(own, askBody(run, { key: `fix||toolu_q${n}` }))).status).toBe(200);
      // Nothing else runs statements while counting: no runner, no ticker.
      r.close();
      own.app.engine.stop();
      const statement = Object.getPrototypeOf(own.app.db.prepare('SELECT 1')) as Record<'get' | 'all' | 'run' | 'iterate', (...a: unknown[]) => unknown>;
      const queriesOfInbox = async () => {
        let n = 0;
        const originals = { get: statement.get, all: statement.all, run: statement.run, iterate: statement.iterate };
        for (const name of ['get', 'all', 'run', 'iterate'] as const) {
          const original = originals[name];
          statement[name] = function (this: unknown, ...a: unknown[]) {
            n++;
            return original.apply(this, a);
          };
        }
        try {
          const res = await own.app.inject({
            method: 'GET',
            url: `/api/approvals?executionId=${run.executionId}`,
            headers: { authorization: `Bearer ${own.token}`, host: `127.0.0.1:${own.port}` },
          });
          expect(res.statusCode, res.body).toBe(200);
          return { n, asks: (JSON.parse(res.body).approvals as { ask?: string }[]).filter((a) => a.ask !== undefined).length };
        } finally {
          Object.assign(statement, originals);
        }
      };
      const fewest = async () => {
        const counts = [await queriesOfInbox(), await queriesOfInbox(), await queriesOfInbox()];
        return { asks: counts[0]!.asks, n: Math.min(...counts.map((c) => c.n)) };
      };
      await asked(1);
      const one = await fewest();
      for (let i = 2; i <= 6; i++) await asked(i);
      const six = await fewest();
      expect([one.asks, six.asks]).toEqual([1, 6]);
      expect(six.n).toBe(one.n);
    } finally {
      await own.close();
    }
  });

  it('an ask of a run in a private chat is not listed to another person, nor decidable by them', async () => {
    const ana = addPersonWithToken(s, 'admin');
    const bob = addPersonWithToken(s, 'approver');
    const session = (await s.request('POST', '/api/sessions', { token: ana.token, body: {} })).body;
    const run = await leasedRun(s, runner, { token: ana.token, sessionId: session.id });
    const id = (await ask(s, askBody(run, { key: 'private' }))).body.approvalId;
    const listFor = async (token: string) =>
      ((await s.request('GET', `/api/approvals?executionId=${run.executionId}`, { token })).body.approvals as { id: string }[]).map((a) => a.id);
    expect(await listFor(ana.token)).toContain(id);
    expect(await listFor(bob.token)).not.toContain(id);
    expect((await s.request('GET', `/api/approvals/${id}`, { token: bob.token })).status).toBe(404);
    expect((await decide(s, id, { decision: 'approve' }, bob.token)).status).toBe(404);
    expect((await decide(s, id, { decision: 'approve' }, ana.token)).status).toBe(200);
  });

  it('reads the approver rule from the stored definition, not from the request', async () => {
    const run = await leasedRun(s, runner, { step: agentStep({ approvers: { users: ['nobody@example.test'] } }) });
    const forged = await ask(s, { ...askBody(run), approvers: {} });
    expect(forged.status).toBe(422);
    expect(forged.body.error.message).toMatch(/approvers/);
    const created = await ask(s, askBody(run));
    const owner = await decide(s, created.body.approvalId, { decision: 'approve' });
    expect(owner.status).toBe(403);
    expect(owner.body.error.code).toBe('not_an_approver');
  });
});

describe('an ask ends with its run and outlives a restart', () => {
  it('closes when the run is canceled, waking a waiting poll', { timeout: 15_000 }, async () => {
    const run = await leasedRun(s, runner);
    const created = await ask(s, askBody(run));
    const polling = ask(s, askBody(run, { waitMs: 25_000 }));
    await new Promise((r) => setTimeout(r, 200));
    expect((await s.request('POST', `/api/executions/${run.executionId}/cancel`)).status).toBe(200);
    expect((await polling).body).toMatchObject({ approvalId: created.body.approvalId, status: 'closed' });
    const got = (await s.request('GET', `/api/approvals/${created.body.approvalId}`)).body;
    expect(got).toMatchObject({ status: 'closed', closed: { reason: 'execution_canceled' } });
    expect(eventsOf(s, executionTopic(run.executionId)).some((e) => e.type === 'approval.closed' && e.data.id === created.body.approvalId)).toBe(true);
  });

  it('answers a waiting poll "pending" when the server closes, rather than holding the close up', { timeout: 15_000 }, async () => {
    const c = await startServer();
    const r = await connectFakeRunner(c.url, c.runnerToken);
    try {
      const run = await leasedRun(c, r);
      const created = await ask(c, askBody(run));
      const polling = ask(c, askBody(run, { waitMs: 25_000 }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      r.close();
      await c.close();
      const res = await polling;
      expect(res.body).toEqual({ approvalId: created.body.approvalId, status: 'pending' });
    } finally {
      r.close();
      await c.close();
    }
  });

  it('stays pending across a server restart; the runner re-attaches by key and gets the decision', async () => {
    const dataDir = makeDataDir();
    const a = await startServer({ dataDir, env: { WEFT_LEASE_MS: '60000' } });
    const r1 = await connectFakeRunner(a.url, a.runnerToken);
    const run = await leasedRun(a, r1);
    const created = await ask(a, askBody(run));
    r1.close();
    await a.close();
    const b = await startServer({ dataDir, env: { WEFT_LEASE_MS: '60000' } });
    try {
      expect((await b.request('GET', `/api/approvals/${created.body.approvalId}`)).body.status).toBe('pending');
      // Same runner id and lease attempt: its lease is still valid after the restart.
      const again = await ask(b, askBody(run));
      expect(again.body).toEqual({ approvalId: created.body.approvalId, status: 'pending' });
      expect((await decide(b, created.body.approvalId, { decision: 'approve' })).status).toBe(200);
      expect((await ask(b, askBody(run))).body.status).toBe('approved');
    } finally {
      await b.close();
    }
  });
});
