import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { connectLive, waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

let s: TestServer;
let runner: FakeRunner;
beforeAll(async () => {
  s = await startServer({ config: { engineTickMs: 50 } });
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 50 });
});
afterAll(async () => {
  runner.close();
  await s.close();
});

const withInputs = {
  name: 'Inputs',
  inputs: {
    region: { type: 'string', required: true },
    count: { type: 'number', default: 3 },
    dry: { type: 'boolean', default: false },
  },
  steps: [{ id: 'go', type: 'bash', command: 'echo {{ inputs.region }}' }],
};

const gated = {
  name: 'Gated',
  steps: [
    { id: 'prep', type: 'bash', command: 'echo prep' },
    // The server reads the rules from here, never from the runner's wait (which says the same below).
    { id: 'gate', type: 'approval', message: 'Ship it?', approvers: { roles: ['owner'] }, allowSelfApproval: true, timeoutSeconds: 3600 },
    { id: 'ship', type: 'bash', command: 'echo ship' },
  ],
};

async function workflow(definition: unknown) {
  return (await s.request('POST', '/api/workflows', { body: { definition } })).body.id as string;
}

async function grantOf(executionId: string, attempt?: number) {
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId && (attempt === undefined || g.attempt === attempt)));
  return runner.grants.filter((g) => g.executionId === executionId).at(-1)!;
}

describe('POST /api/workflows/:id/run', () => {
  it('checks inputs (422 naming the field), applies defaults and pins the version', async () => {
    const id = await workflow(withInputs);
    const missing = await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: 'invalid_inputs', message: expect.stringContaining('inputs.region') });
    const wrongType = await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: { region: 'eu', count: 'three' } } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.message).toContain('inputs.count');
    const unknown = await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: { region: 'eu', colour: 'red' } } });
    expect(unknown.body.error.message).toContain('inputs.colour');
    const badBody = await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: 'eu' } });
    expect(badBody.status).toBe(422);

    const ok = await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: { region: 'eu' } } });
    expect(ok.status).toBe(202);
    expect(ok.body).toEqual({ executionId: expect.stringMatching(/^ex_/) });
    // A new version after the start does not change what the execution runs.
    await s.request('PUT', `/api/workflows/${id}`, { body: { definition: { ...withInputs, name: 'Inputs v2' }, baseVersion: 1 } });
    const ex = (await s.request('GET', `/api/executions/${ok.body.executionId}`)).body;
    expect(ex).toMatchObject({
      workflowId: id,
      workflowVersion: 1,
      inputs: { region: 'eu', count: 3, dry: false },
      trigger: { type: 'manual' },
      sessionId: null,
    });
    const grant = await grantOf(ok.body.executionId);
    expect(grant.definition).toMatchObject({ name: 'Inputs' });
    await s.request('POST', `/api/executions/${ok.body.executionId}/cancel`);

    expect((await s.request('POST', '/api/workflows/wf_missing/run', { body: {} })).status).toBe(404);
    expect((await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: { region: 'x' }, version: 9 } })).status).toBe(404);
    expect((await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: { region: 'x' }, sessionId: 'ses_nope' } })).status).toBe(404);
  });
});

describe('GET /api/executions', () => {
  it('lists with filters and a cursor', async () => {
    const id = await workflow({ name: 'Listed', steps: [{ id: 'a', type: 'bash', command: 'true' }] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await s.request('POST', `/api/workflows/${id}/run`, { body: {} })).body.executionId);
    await s.request('POST', `/api/executions/${ids[0]}/cancel`);
    const page1 = await s.request('GET', `/api/executions?workflowId=${id}&limit=3`);
    expect(page1.body.executions.map((e: any) => e.id)).toEqual([ids[4], ids[3], ids[2]]);
    const page2 = await s.request('GET', `/api/executions?workflowId=${id}&limit=3&before=${page1.body.nextBefore}`);
    expect(page2.body.executions.map((e: any) => e.id)).toEqual([ids[1], ids[0]]);
    expect(page2.body.nextBefore).toBeNull();
    const canceled = await s.request('GET', `/api/executions?workflowId=${id}&status=canceled`);
    expect(canceled.body.executions.map((e: any) => e.id)).toEqual([ids[0]]);
    expect((await s.request('GET', '/api/executions?status=exploded')).status).toBe(400);
    for (const ex of ids.slice(1)) await s.request('POST', `/api/executions/${ex}/cancel`);
  });
});

describe('cancel', () => {
  it('ends the execution, closes running steps, tells the runner, and 409s the second time', async () => {
    const id = await workflow(gated);
    const { executionId } = (await s.request('POST', `/api/workflows/${id}/run`, { body: {} })).body;
    const grant = await grantOf(executionId);
    await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'prep', iterationPath: '', attempt: 1 }]);
    const res = await s.request('POST', `/api/executions/${executionId}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'canceled', steps: [expect.objectContaining({ stepId: 'prep', status: 'canceled' })] });
    await runner.waitFor((f) => f.type === 'cancel' && f.executionId === executionId);
    const again = await s.request('POST', `/api/executions/${executionId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('execution_finished');
  });
});

describe('approvals', () => {
  async function runToGate(
    definition: unknown = gated,
    onDeny: 'fail' | 'continue' = 'fail',
    sessionId?: string,
    onTimeout: 'fail' | 'approve' | 'deny' = 'fail',
  ) {
    const id = await workflow(definition);
    const { executionId } = (await s.request('POST', `/api/workflows/${id}/run`, { body: sessionId ? { sessionId } : {} })).body;
    const grant = await grantOf(executionId);
    await runner.events(grant, [
      { seq: 1, type: 'step.started', stepId: 'prep', iterationPath: '', attempt: 1 },
      { seq: 2, type: 'step.succeeded', stepId: 'prep', iterationPath: '', attempt: 1, output: 'p' },
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
          approvers: { roles: ['owner'] },
          minApprovals: 1,
          allowSelfApproval: true,
          timeoutSeconds: 3600,
          onDeny,
          onTimeout,
        },
      },
    ]);
    const pending = (await s.request('GET', `/api/approvals?status=pending`)).body.approvals;
    const approval = pending.find((a: any) => a.executionId === executionId);
    return { executionId, approval, grant, workflowId: id };
  }

  it('waits without a runner, resumes only the chosen path, and records who decided', async () => {
    const live = await connectLive(s.url, { token: s.token });
    live.send({ type: 'subscribe', topic: 'approvals' });
    await live.waitFor((f) => f.type === 'subscribed');
    const { executionId, approval, workflowId } = await runToGate();
    expect(approval).toMatchObject({
      id: expect.stringMatching(/^apr_/),
      workflowId,
      stepId: 'gate',
      iterationPath: '',
      message: 'Ship it?',
      approvers: { roles: ['owner'] },
      requestedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect((await s.request('GET', `/api/executions/${executionId}`)).body.status).toBe('waiting');
    // A GET never decides.
    expect((await s.request('GET', `/api/approvals/${approval.id}/decision?decision=approve`)).status).toBe(404);
    // Who decided comes from the credential, never from the body.
    const named = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'approve', decidedBy: 'ana' } });
    expect(named.status).toBe(422);
    expect(named.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^decidedBy: is set by the server/) });
    expect((await s.request('GET', `/api/approvals/${approval.id}`)).body.status).toBe('pending');
    const decided = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'approve', comment: 'lgtm' } });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'approved', decision: { decision: 'approve', decidedBy: 'owner', comment: 'lgtm' } });
    await live.waitFor((f) => f.type === 'event' && f.event.type === 'approval.decided' && f.event.data.id === approval.id);
    // Same decision again: harmless. A different one: 409.
    expect((await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'approve' } })).status).toBe(200);
    const conflict = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'deny' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('already_decided');
    // Resumed: granted again with the approval's output in `completed`.
    const regrant = await grantOf(executionId, 2);
    expect(regrant.completed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stepId: 'prep', status: 'succeeded', output: 'p' }),
        expect.objectContaining({
          stepId: 'gate',
          status: 'succeeded',
          output: { approved: true, decidedBy: 'owner', comment: 'lgtm', decidedAt: expect.any(String) },
        }),
      ]),
    );
    expect((await s.request('GET', '/api/approvals?status=pending')).body.approvals.some((a: any) => a.id === approval.id)).toBe(false);
    expect((await s.request('GET', '/api/approvals?status=decided')).body.approvals.some((a: any) => a.id === approval.id)).toBe(true);
    await s.request('POST', `/api/executions/${executionId}/cancel`);
    live.close();
  });

  it('lists one chat’s approvals with sessionId', async () => {
    const chat = (await s.request('POST', '/api/sessions', { body: { title: 'ops' } })).body;
    const other = (await s.request('POST', '/api/sessions', { body: { title: 'elsewhere' } })).body;
    const inChat = await runToGate(gated, 'fail', chat.id);
    const outside = await runToGate();
    const mine = (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat.id}`)).body.approvals;
    expect(mine.map((a: any) => a.executionId)).toEqual([inChat.executionId]);
    expect((await s.request('GET', `/api/approvals?sessionId=${other.id}`)).body.approvals).toEqual([]);
    const all = (await s.request('GET', '/api/approvals?status=pending')).body.approvals.map((a: any) => a.executionId);
    expect(all).toEqual(expect.arrayContaining([inChat.executionId, outside.executionId]));
    for (const run of [inChat, outside]) await s.request('POST', `/api/executions/${run.executionId}/cancel`);
  });

  it('deny ends the execution denied, unless onDeny is continue', async () => {
    const denied = await runToGate();
    await s.request('POST', `/api/approvals/${denied.approval.id}/decision`, { body: { decision: 'deny' } });
    const ex = (await s.request('GET', `/api/executions/${denied.executionId}`)).body;
    expect(ex.status).toBe('denied');
    expect(ex.steps.find((x: any) => x.stepId === 'gate')).toMatchObject({ status: 'failed', output: { approved: false, decidedBy: 'owner' } });

    const cont = { ...gated, steps: [gated.steps[0], { ...gated.steps[1], onDeny: 'continue' }, gated.steps[2]] };
    const c = await runToGate(cont, 'continue');
    await s.request('POST', `/api/approvals/${c.approval.id}/decision`, { body: { decision: 'deny' } });
    const regrant = await grantOf(c.executionId, 2);
    expect(regrant.completed).toContainEqual(
      expect.objectContaining({ stepId: 'gate', status: 'succeeded', output: expect.objectContaining({ approved: false }) }),
    );
    expect((await s.request('GET', `/api/executions/${c.executionId}`)).body.status).toBe('running');
    await s.request('POST', `/api/executions/${c.executionId}/cancel`);
  });

  it('rejects bad decisions with clear errors', async () => {
    expect((await s.request('POST', '/api/approvals/apr_nope/decision', { body: { decision: 'approve' } })).status).toBe(404);
    const { approval, executionId } = await runToGate();
    const bad = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision: 'maybe' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('decision');
    await s.request('POST', `/api/executions/${executionId}/cancel`);
    // Canceling closes the approval: deciding it later is a conflict, not a resume.
    for (const decision of ['approve', 'deny']) {
      const late = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision } });
      expect(late.status, decision).toBe(409);
      expect(late.body.error.code).toBe('approval_closed');
    }
  });

  it('an expired approval is closed: even the decision its timeout took is 409 approval_closed', async () => {
    for (const onTimeout of ['approve', 'deny'] as const) {
      const timesOut = { ...gated, steps: [gated.steps[0], { ...gated.steps[1], onDeny: 'continue', onTimeout }, gated.steps[2]] };
      const { approval, executionId } = await runToGate(timesOut, 'continue', undefined, onTimeout);
      expect(s.app.approvals.expireDue(Date.parse(approval.expiresAt) + 1)).toBeGreaterThanOrEqual(1);
      const expired = (await s.request('GET', `/api/approvals/${approval.id}`)).body;
      expect(expired).toMatchObject({ status: 'expired', decision: { decision: onTimeout, decidedBy: 'timeout' } });
      for (const decision of ['approve', 'deny']) {
        const late = await s.request('POST', `/api/approvals/${approval.id}/decision`, { body: { decision } });
        expect(late.status, `${onTimeout}/${decision}`).toBe(409);
        expect(late.body.error.code).toBe('approval_closed');
      }
      expect((await s.request('GET', `/api/approvals/${approval.id}`)).body).toEqual(expired);
      await s.request('POST', `/api/executions/${executionId}/cancel`);
    }
  });
});
