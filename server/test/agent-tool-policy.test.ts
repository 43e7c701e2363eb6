import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config';
import { defineTool } from '../src/tools/tool';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/** Issue 20 §3: the server decides an execution's tool calls with the tool policy itself, never trusting the runner. */

const OPERATOR = { 'test:op_denied': 'deny', 'test:op_*': 'allow' } as const;

let s: TestServer;
let runner: FakeRunner;
/** What the test tools really did: a held or refused call must leave no trace here. */
const ran: { tool: string; target: string }[] = [];

beforeAll(async () => {
  s = await startServer({ env: { WEFT_TOOL_POLICY: JSON.stringify(OPERATOR) } });
  const tool = (name: string, effect: 'read' | 'destructive') =>
    defineTool({
      name,
      description: `test tool ${name}`,
      args: z.object({ target: z.string() }),
      effect,
      inWorkflows: 'allowed',
      run: (args: { target: string }) => {
        ran.push({ tool: name, target: args.target });
        return { done: args.target };
      },
    });
  s.app.tools.register([
    tool('test:destroy', 'destructive'),
    tool('test:read', 'read'),
    tool('test:op_denied', 'read'),
    tool('test:op_wipe', 'destructive'),
    tool('test:shred', 'destructive'),
  ]);
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 50 });
});
afterAll(async () => {
  runner.close();
  await s.close();
});

type Leased = { executionId: string; attempt: number };

async function leasedRun(step: Record<string, unknown> = {}): Promise<Leased> {
  const definition = { name: `Policy ${Math.random()}`, steps: [{ id: 'fix', type: 'agent_prompt', prompt: 'Clean up', ...step }] };
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  return { executionId, attempt: runner.grants.find((g) => g.executionId === executionId)!.attempt };
}

const context = (run: Leased) => ({ executionId: run.executionId, stepId: 'fix', runnerId: runner.runnerId, leaseAttempt: run.attempt });
const call = (run: Leased, name: string, target: string, askApprovalId?: string, iterationPath?: string) =>
  s.request('POST', '/api/tools/call', {
    token: s.runnerToken,
    body: {
      name,
      arguments: { target },
      context: { ...context(run), ...(iterationPath === undefined ? {} : { iterationPath }) },
      ...(askApprovalId ? { askApprovalId } : {}),
    },
  });

/** An ask for this call, decided as given (or left pending). */
async function askFor(run: Leased, name: string, target: string, decision?: 'approve' | 'deny', iterationPath = ''): Promise<string> {
  const res = await s.request('POST', '/api/tools/ask', {
    token: s.runnerToken,
    body: {
      key: `fix|${iterationPath}|${Math.random()}`,
      kind: 'tool',
      tool: { name, arguments: { target } },
      waitMs: 0,
      context: { ...context(run), iterationPath },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  if (decision) expect((await s.request('POST', `/api/approvals/${res.body.approvalId}/decision`, { body: { decision } })).status).toBe(200);
  return res.body.approvalId;
}

/** The call waits as a held call for a person; denying it ends it with 403 and nothing runs. */
async function expectHeld(pending: Promise<{ status: number; body: any }>, target: string) {
  const ranBefore = ran.filter((r) => r.target === target).length;
  let heldId: string | undefined;
  await waitUntil(
    () => {
      heldId = s.app.toolApprovals
        .list({ status: 'pending' })
        .find((a) => a.ask === undefined && JSON.stringify(a.tool.arguments) === JSON.stringify({ target }))?.id;
      return heldId !== undefined;
    },
    10_000,
    'the held call',
  );
  s.app.toolApprovals.decide({ id: heldId!, decision: 'deny', decidedBy: 'test' });
  const res = await pending;
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('tool_call_denied');
  expect(ran.filter((r) => r.target === target)).toHaveLength(ranBefore);
}

describe('the server-side tool policy of an execution call', () => {
  it('goes to runners in the grant', async () => {
    const run = await leasedRun();
    expect(runner.grants.find((g) => g.executionId === run.executionId)!.policy.toolPolicy).toEqual(OPERATOR);
  });

  it('allow runs a destructive tool at once; deny refuses it, naming the step policy', async () => {
    const run = await leasedRun({ toolPolicy: { 'test:destroy': 'allow', 'test:read': 'deny' } });
    const res = await call(run, 'test:destroy', 'allowed-1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, result: { done: 'allowed-1' } });
    const denied = await call(run, 'test:read', 'denied-1');
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: 'tool_denied_by_policy',
      message: expect.stringMatching(/^name: test:read is denied by step fix's toolPolicy/),
    });
    expect(ran.some((r) => r.target === 'denied-1')).toBe(false);
  });

  it("applies the operator's policy, which a step may tighten but never loosen", async () => {
    const run = await leasedRun();
    const denied = await call(run, 'test:op_denied', 'op-1');
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/WEFT_TOOL_POLICY/);
    // `test:op_*` allows: a destructive tool runs without a person.
    expect((await call(run, 'test:op_wipe', 'op-2')).status).toBe(200);
    const loosened = await leasedRun({ toolPolicy: { 'test:op_denied': 'allow' } });
    expect((await call(loosened, 'test:op_denied', 'op-3')).status).toBe(403);
    expect(ran.some((r) => r.target === 'op-3')).toBe(false);
    const tightened = await leasedRun({ toolPolicy: { 'test:op_wipe': 'deny' } });
    expect((await call(tightened, 'test:op_wipe', 'op-4')).status).toBe(403);
  });

  it('ask: runs with the id of an approved ask of the same execution, step, tool and arguments', async () => {
    const run = await leasedRun();
    const approved = await askFor(run, 'test:destroy', 'asked-1', 'approve');
    const res = await call(run, 'test:destroy', 'asked-1', approved);
    expect(res.status).toBe(200);
    expect(ran.filter((r) => r.target === 'asked-1')).toHaveLength(1);
  });

  it('ask: an approval "for the rest of this step" covers the same tool with other arguments, in that step only', async () => {
    const run = await leasedRun();
    const first = await askFor(run, 'test:destroy', 'step-1');
    expect((await s.request('POST', `/api/approvals/${first}/decision`, { body: { decision: 'approve', scope: 'step' } })).status).toBe(200);
    expect((await call(run, 'test:destroy', 'step-2', first)).status).toBe(200);
    expect(ran.filter((r) => r.target === 'step-2')).toHaveLength(1);
    // Not another tool, and not another run's step.
    await expectHeld(call(run, 'test:shred', 'step-3', first), 'step-3');
    const other = await leasedRun();
    await expectHeld(call(other, 'test:destroy', 'step-4', first), 'step-4');
  });

  it('ask: a forged or unfit askApprovalId leaves the call held for a person', async () => {
    const run = await leasedRun();
    const other = await leasedRun();
    const ofOtherRun = await askFor(other, 'test:destroy', 'forged-1', 'approve');
    await expectHeld(call(run, 'test:destroy', 'forged-1', ofOtherRun), 'forged-1');
    const forOtherArgs = await askFor(run, 'test:destroy', 'harmless', 'approve');
    await expectHeld(call(run, 'test:destroy', 'forged-2', forOtherArgs), 'forged-2');
    const pending = await askFor(run, 'test:destroy', 'forged-3');
    await expectHeld(call(run, 'test:destroy', 'forged-3', pending), 'forged-3');
    const denied = await askFor(run, 'test:destroy', 'forged-4', 'deny');
    await expectHeld(call(run, 'test:destroy', 'forged-4', denied), 'forged-4');
    await expectHeld(call(run, 'test:destroy', 'forged-5', 'tap_nonexistent'), 'forged-5');
  });

  it('ask: a once approval is used up by its first call; a replay waits for a person', async () => {
    const run = await leasedRun();
    const approved = await askFor(run, 'test:destroy', 'once-1', 'approve');
    const row = () =>
      s.app.db.prepare('SELECT status, used_at, closed_at, closed_reason FROM tool_approvals WHERE id = ?').get(approved) as Record<string, unknown>;
    // A call it does not cover (other arguments) is held and leaves it unused.
    await expectHeld(call(run, 'test:destroy', 'once-other', approved), 'once-other');
    expect(row()).toMatchObject({ status: 'approved', used_at: null });
    expect((await call(run, 'test:destroy', 'once-1', approved)).status).toBe(200);
    await expectHeld(call(run, 'test:destroy', 'once-1', approved), 'once-1');
    expect(ran.filter((r) => r.target === 'once-1')).toHaveLength(1);
    // Its use has its own column: the closing columns stay those of an approval that never closed.
    expect(row()).toEqual({ status: 'approved', used_at: expect.stringMatching(/^\d{4}-/), closed_at: null, closed_reason: null });
    expect((await s.request('GET', `/api/approvals/${approved}`)).body).toMatchObject({ status: 'approved', decision: { decision: 'approve' } });
  });

  it('ask: an approval covers only its own iteration, "for the rest of this step" included', async () => {
    const run = await leasedRun();
    const inFirst = await askFor(run, 'test:destroy', 'iter-1', 'approve', '[0]');
    await expectHeld(call(run, 'test:destroy', 'iter-1', inFirst, '[5]'), 'iter-1');
    const stepWide = await askFor(run, 'test:destroy', 'iter-2', undefined, '[0]');
    expect((await s.request('POST', `/api/approvals/${stepWide}/decision`, { body: { decision: 'approve', scope: 'step' } })).status).toBe(200);
    expect((await call(run, 'test:destroy', 'iter-3', stepWide, '[0]')).status).toBe(200);
    expect((await call(run, 'test:destroy', 'iter-4', stepWide, '[0]')).status).toBe(200);
    await expectHeld(call(run, 'test:destroy', 'iter-5', stepWide, '[1]'), 'iter-5');
    await expectHeld(call(run, 'test:destroy', 'iter-6', stepWide), 'iter-6');
  });

  it("a person naming an execution gets neither its step's policy nor its asks' approvals, and keeps their own scopes", async () => {
    const run = await leasedRun({ toolPolicy: { 'test:destroy': 'allow' } });
    const asPerson = (target: string, askApprovalId?: string) =>
      s.request('POST', '/api/tools/call', {
        body: {
          name: 'test:destroy',
          arguments: { target },
          context: { executionId: run.executionId, stepId: 'fix' },
          ...(askApprovalId ? { askApprovalId } : {}),
        },
      });
    // The step allows it for its runner; the admin naming the execution is held as before.
    await expectHeld(asPerson('person-1'), 'person-1');
    const approved = await askFor(run, 'test:destroy', 'person-2', 'approve');
    await expectHeld(asPerson('person-2', approved), 'person-2');
    // A viewer naming an execution is still a viewer.
    const viewer = addPersonWithToken(s, 'viewer');
    const res = await s.request('POST', '/api/tools/call', {
      token: viewer.token,
      body: { name: 'workflows:run_workflow', arguments: { id: 'wf_any' }, context: { executionId: run.executionId } },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it("reads the execution's row once per call, and none of its step runs", async () => {
    const run = await leasedRun({ toolPolicy: { 'test:destroy': 'allow' } });
    const repo = s.app.executions.repo;
    const counted = { get: 0, steps: 0 };
    const { get, steps } = repo;
    repo.get = (id) => {
      counted.get++;
      return get(id);
    };
    repo.steps = (id) => {
      counted.steps++;
      return steps(id);
    };
    try {
      expect((await call(run, 'test:destroy', 'counted-1')).status).toBe(200);
    } finally {
      repo.get = get;
      repo.steps = steps;
    }
    // The lease check's read serves the chat the call belongs to and the step's policy too.
    expect(counted).toEqual({ get: 1, steps: 0 });
  });

  it('a person naming an unknown or pruned execution gets 404 or 410, as before', async () => {
    const res = await s.request('POST', '/api/tools/call', { body: { name: 'test:read', arguments: { target: 'x' }, context: { executionId: 'exe_nope' } } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('refuses a bad WEFT_TOOL_POLICY at start with a message naming it', () => {
    expect(() => loadConfig({ WEFT_TOOL_POLICY: '{nope' })).toThrow(/WEFT_TOOL_POLICY: must be JSON/);
    expect(() => loadConfig({ WEFT_TOOL_POLICY: '["ask"]' })).toThrow(/WEFT_TOOL_POLICY: must be a JSON object/);
    expect(() => loadConfig({ WEFT_TOOL_POLICY: '{"workspace:bash":"sometimes"}' })).toThrow(
      /WEFT_TOOL_POLICY entry "workspace:bash": must be "allow", "ask" or "deny"/,
    );
    expect(() => loadConfig({ WEFT_TOOL_POLICY: '{"rm -rf":"ask"}' })).toThrow(/WEFT_TOOL_POLICY entry "rm -rf": must be a tool name or a pattern/);
  });
});
