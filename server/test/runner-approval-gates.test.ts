import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/**
 * The runner credential never passes a human gate: a runner speaking the real protocol over a
 * real socket cannot report an approval step done, skip one nothing could skip, finish a container
 * past one, or choose the rules of one. Only the server resolves approval steps, with the rules of
 * the execution's stored version.
 */
let s: TestServer;
let runner: FakeRunner;
let admin: { id: string; token: string };
beforeAll(async () => {
  s = await startServer({ config: { leaseMs: 600, runnerHeartbeatMs: 200, engineTickMs: 50 } });
  admin = addPersonWithToken(s, 'admin');
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 16 });
});
afterAll(async () => {
  runner.close();
  await s.close();
});

const gate = { id: 'confirm', type: 'approval', message: 'Deploy?', approvers: { roles: ['admin'] } };
const deploy = { id: 'deploy', type: 'bash', command: 'echo deployed' };
/** What a runner that wants no one asked would send: anyone, at once, approved on timeout. */
const forgedWait = {
  kind: 'approval',
  message: 'Deploy?',
  approvers: {},
  minApprovals: 1,
  allowSelfApproval: true,
  timeoutSeconds: 0.001,
  onDeny: 'continue',
  onTimeout: 'approve',
};

async function leased(definition: unknown, attempt = 1) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(run.status).toBe(202);
  const executionId = run.body.executionId as string;
  return { executionId, grant: await grantOf(executionId, attempt) };
}
async function grantOf(executionId: string, attempt: number) {
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId && g.attempt === attempt), 10_000, `lease ${attempt} of ${executionId}`);
  return runner.grants.find((g) => g.executionId === executionId && g.attempt === attempt)!;
}
const execution = async (id: string) => (await s.request('GET', `/api/executions/${id}`)).body;
const refused = { type: 'reject', code: 'approval_refused' };
const started = (seq: number, stepId: string, iterationPath = '', attempt = 1) => ({ seq, type: 'step.started', stepId, iterationPath, attempt });

describe('only the server resolves approval steps', () => {
  it('refuses step.succeeded for an approval step: nothing of the frame is applied, the run is not past the gate', async () => {
    const { executionId, grant } = await leased({ name: 'Forged approve', steps: [gate, deploy] });
    const answer = await runner.events(grant, [
      started(1, 'confirm'),
      { seq: 2, type: 'step.succeeded', stepId: 'confirm', iterationPath: '', attempt: 1, output: { approved: true } },
      started(3, 'deploy'),
    ]);
    expect(answer).toMatchObject(refused);
    expect(answer.message).toContain('confirm');
    const ex = await execution(executionId);
    expect(ex.steps).toEqual([]);
    expect(ex.status).toBe('running');
  });

  it('takes the approval rules from the stored version, not from the wait the runner sent', async () => {
    const { executionId, grant } = await leased({ name: 'Forged rules', steps: [gate, deploy] });
    expect(
      await runner.events(grant, [started(1, 'confirm'), { seq: 2, type: 'step.waiting', stepId: 'confirm', iterationPath: '', attempt: 1, wait: forgedWait }]),
    ).toMatchObject({
      type: 'ack',
      seq: 2,
    });
    let approval: any;
    await waitUntil(
      async () => {
        approval = (await s.request('GET', `/api/approvals?executionId=${executionId}`)).body.approvals[0];
        return approval !== undefined;
      },
      10_000,
      'the approval',
    );
    // Ticks go by: the forged 1 ms timeout is not the approval's.
    await new Promise((r) => setTimeout(r, 300));
    approval = (await s.request('GET', `/api/approvals/${approval.id}`)).body;
    expect(approval).toMatchObject({ status: 'pending', approvers: { roles: ['admin'] }, approvalsNeeded: 1 });
    const row = s.app.db
      .prepare('SELECT allow_self_approval, on_deny, on_timeout, expires_at, requested_at FROM approvals WHERE id = ?')
      .get(approval.id) as any;
    expect(row).toMatchObject({ allow_self_approval: 0, on_deny: 'fail', on_timeout: 'fail' });
    expect(row.expires_at - Date.parse(row.requested_at)).toBe(7 * 24 * 60 * 60 * 1000);
    expect((await execution(executionId)).status).toBe('waiting');

    // A person decides; the runner repeating that decision is acknowledged and changes nothing.
    expect((await s.request('POST', `/api/approvals/${approval.id}/decision`, { token: admin.token, body: { decision: 'approve' } })).status).toBe(200);
    const next = await grantOf(executionId, 2);
    expect(next.completed).toEqual([
      expect.objectContaining({ stepId: 'confirm', status: 'succeeded', output: expect.objectContaining({ decidedBy: 'admin person' }) }),
    ]);
    expect(
      await runner.events(next, [
        { seq: 1, type: 'step.succeeded', stepId: 'confirm', iterationPath: '', attempt: 1, output: { approved: true, decidedBy: 'runner' } },
        { seq: 2, type: 'step.failed', stepId: 'confirm', iterationPath: '', attempt: 1, error: { name: 'Error', message: 'overwrite' } },
      ]),
    ).toMatchObject({ type: 'ack', seq: 2 });
    const confirm = (await execution(executionId)).steps.find((st: any) => st.stepId === 'confirm');
    expect(confirm).toMatchObject({ status: 'succeeded', output: { approved: true, decidedBy: 'admin person' } });
  });

  it('refuses a wait that is not the step`s own kind', async () => {
    const { grant } = await leased({ name: 'Wrong waits', steps: [gate, deploy] });
    const forged = await runner.events(grant, [
      started(1, 'confirm'),
      { seq: 2, type: 'step.waiting', stepId: 'confirm', iterationPath: '', attempt: 1, wait: { kind: 'timer', wakeAt: new Date().toISOString() } },
    ]);
    expect(forged).toMatchObject(refused);
    const other = await leased({ name: 'Bash waits for people', steps: [deploy] });
    expect(
      await runner.events(other.grant, [
        started(1, 'deploy'),
        { seq: 2, type: 'step.waiting', stepId: 'deploy', iterationPath: '', attempt: 1, wait: forgedWait },
      ]),
    ).toMatchObject(refused);
  });

  it('refuses step.skipped for an approval nothing could skip; takes it when a condition could', async () => {
    const { executionId, grant } = await leased({ name: 'Forged skip', steps: [gate, deploy] });
    expect(await runner.events(grant, [{ seq: 1, type: 'step.skipped', stepId: 'confirm', iterationPath: '', reason: 'no' }])).toMatchObject(refused);
    expect((await execution(executionId)).steps).toEqual([]);

    const conditional = await leased({ name: 'Skippable gate', steps: [{ ...gate, if: 'false' }, deploy] });
    expect(
      await runner.events(conditional.grant, [{ seq: 1, type: 'step.skipped', stepId: 'confirm', iterationPath: '', reason: 'condition is false: false' }]),
    ).toMatchObject({ type: 'ack', seq: 1 });
  });

  it('refuses a container holding an approval reported finished while its gate was not decided', async () => {
    const inConditional = await leased({
      name: 'Gate in a conditional',
      steps: [{ id: 'check', type: 'conditional', condition: 'true', then: [gate] }, deploy],
    });
    expect(
      await runner.events(inConditional.grant, [
        started(1, 'check'),
        { seq: 2, type: 'step.succeeded', stepId: 'check', iterationPath: '', attempt: 1, output: { branch: 'then' } },
      ]),
    ).toMatchObject(refused);
    // A container that holds a gate and has no condition cannot be skipped either.
    const inLoop = await leased({ name: 'Gate in a loop', steps: [{ id: 'each', type: 'loop', over: '[1]', steps: [gate] }, deploy] });
    expect(await runner.events(inLoop.grant, [{ seq: 1, type: 'step.skipped', stepId: 'each', iterationPath: '', reason: 'no' }])).toMatchObject(refused);
    expect(
      await runner.events(inLoop.grant, [
        started(1, 'each'),
        { seq: 2, type: 'step.succeeded', stepId: 'each', iterationPath: '', attempt: 1, output: { count: 1, results: [{ confirm: { approved: true } }] } },
      ]),
    ).toMatchObject(refused);
    expect((await execution(inLoop.executionId)).steps).toEqual([]);

    // The branch not taken is skipped by the runner, in the same frame as the conditional's end: fine.
    const notTaken = await leased({
      name: 'Gate in the branch not taken',
      steps: [{ id: 'check', type: 'conditional', condition: 'false', then: [gate], else: [] }, deploy],
    });
    expect(
      await runner.events(notTaken.grant, [
        started(1, 'check'),
        { seq: 2, type: 'step.skipped', stepId: 'confirm', iterationPath: '', reason: 'branch not taken' },
        { seq: 3, type: 'step.succeeded', stepId: 'check', iterationPath: '', attempt: 1, output: { branch: 'else' } },
      ]),
    ).toMatchObject({ type: 'ack', seq: 3 });
  });
});
