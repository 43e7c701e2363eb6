import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { newChat, runCount, say, scratchDir, SCRATCH_ROOT } from './helpers/fixes';
import { waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { startServer, type TestServer } from './helpers/server';

/**
 * Only people decide human gates, also on a re-run: a re-run (from a step, on the latest version,
 * from a fix) asks again at every approval before the step it starts from, and running a version
 * other than the latest needs `write`. A real server, SQLite and a real runner process.
 */
let s: TestServer;
let runner: RunnerProcess;
/** Admins decide the gates; the operator may only run; the editor may also change workflows. */
let adminA: { id: string; token: string };
let adminB: { id: string; token: string };
let operator: { id: string; token: string };
let editor: { id: string; token: string };

beforeAll(async () => {
  s = await startServer({ config: { engineTickMs: 50 } });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir: s.dataDir, capacity: 4, env: { WEFT_SANDBOX_WRITE_PATHS: SCRATCH_ROOT } });
  adminA = addPersonWithToken(s, 'admin');
  adminB = addPersonWithToken(s, 'admin');
  operator = addPersonWithToken(s, 'operator');
  editor = addPersonWithToken(s, 'editor');
});
afterAll(async () => {
  await runner.kill();
  await s.close();
});

const as = (who: { token: string }) => ({ token: who.token });
const finished = (id: string) => finishedExecution(s, id);
const latest = (ex: any, stepId: string, iterationPath = '') =>
  ex.steps.filter((st: any) => st.stepId === stepId && st.iterationPath === iterationPath).sort((a: any, b: any) => b.attempt - a.attempt)[0];

/** `deploy` fails until the flag file exists; every step counts its runs in `dir`. */
const flakyDeploy = (dir: string) => ({
  id: 'deploy',
  type: 'bash',
  command: `echo ran >> ${dir}/deploy.count; test -f ${dir}/flag || { echo "no flag" >&2; exit 4; }; echo deployed`,
});
const gate = (id = 'confirm') => ({ id, type: 'approval', message: 'Deploy?', approvers: { roles: ['admin'] } });

async function createWorkflow(definition: unknown): Promise<string> {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  return wf.body.id;
}
async function run(workflowId: string, who: { token: string }, body: Record<string, unknown> = {}, sessionId?: string): Promise<string> {
  const res = await s.request('POST', `/api/workflows/${workflowId}/run`, { ...as(who), body: { ...body, ...(sessionId ? { sessionId } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.executionId;
}
async function pendingApprovals(executionId: string, count = 1): Promise<any[]> {
  let approvals: any[] = [];
  await waitUntil(
    async () => {
      approvals = (await s.request('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals;
      return approvals.length >= count;
    },
    30_000,
    `pending approval of ${executionId}`,
  );
  return approvals;
}
const decide = (approvalId: string, who: { token: string }, decision: 'approve' | 'deny' = 'approve') =>
  s.request('POST', `/api/approvals/${approvalId}/decision`, { ...as(who), body: { decision } });
async function approveAll(executionId: string, who: { token: string }, count = 1) {
  for (const a of await pendingApprovals(executionId, count)) expect((await decide(a.id, who)).status).toBe(200);
}

/** R1: started by the operator, approved by admin A, failed at `deploy`. */
async function approvedThenFailed(definition: { steps: unknown[]; name: string }, gates = 1) {
  const workflowId = await createWorkflow(definition);
  const executionId = await run(workflowId, operator);
  for (let i = 0; i < gates; i++) await approveAll(executionId, adminA);
  const r1 = await finished(executionId);
  expect(r1.status).toBe('failed');
  expect(latest(r1, 'deploy').status).toBe('failed');
  return { workflowId, executionId };
}

describe('a re-run asks again at every approval it passes', () => {
  it('from the failed step: the operator re-runs, the run waits for a new decision, an admin lets deploy run', async () => {
    const dir = scratchDir();
    const { executionId } = await approvedThenFailed({
      name: 'Gated deploy',
      steps: [{ id: 'build', type: 'bash', command: `echo ran >> ${dir}/build.count; echo built` }, gate(), flakyDeploy(dir)],
    });
    fs.writeFileSync(path.join(dir, 'flag'), '');

    const rerun = await s.request('POST', `/api/executions/${executionId}/rerun`, { ...as(operator), body: { fromStepId: 'deploy' } });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    const r2 = rerun.body.executionId as string;
    const [approval] = await pendingApprovals(r2);
    expect(approval).toMatchObject({ stepId: 'confirm', status: 'pending', approvers: { roles: ['admin'] } });
    const waiting = (await s.request('GET', `/api/executions/${r2}`)).body;
    expect(waiting.status).toBe('waiting');
    // The earlier decision is not carried over: the gate is this run's own, and deploy has not run.
    expect(latest(waiting, 'confirm')).toMatchObject({ status: 'waiting' });
    expect(latest(waiting, 'confirm').reused).toBeFalsy();
    expect(latest(waiting, 'build')).toMatchObject({ status: 'succeeded', reused: true });
    expect(latest(waiting, 'deploy')).toBeUndefined();
    expect(runCount(dir, 'deploy.count')).toBe(1);

    // The operator who re-ran it may not decide it (no `approve`); an admin may.
    expect((await decide(approval.id, operator)).status).toBe(403);
    expect((await decide(approval.id, adminB)).status).toBe(200);
    const done = await finished(r2);
    expect(done.status).toBe('succeeded');
    expect(latest(done, 'confirm').output).toMatchObject({ approved: true, decidedBy: 'admin person' });
    expect(latest(done, 'deploy').output.stdout).toBe('deployed\n');
    expect(runCount(dir, 'build.count')).toBe(1); // reused, not run again
    expect(runCount(dir, 'deploy.count')).toBe(2);
  });

  it('on the latest version (deploy edited): the self-approval rule applies to the re-run`s starter', async () => {
    const dir = scratchDir();
    const definition = { name: 'Gated deploy v', steps: [gate(), { id: 'deploy', type: 'bash', command: 'exit 3' }] };
    const { workflowId, executionId } = await approvedThenFailed(definition);
    const edited = await s.request('PUT', `/api/workflows/${workflowId}`, {
      body: {
        definition: { ...definition, steps: [gate(), { id: 'deploy', type: 'bash', command: `echo ran >> ${dir}/deploy.count; echo v2` }] },
        baseVersion: 1,
      },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);

    // Admin A approved R1 and now re-runs it: A started this run, so someone else must decide.
    const rerun = await s.request('POST', `/api/executions/${executionId}/rerun`, { ...as(adminA), body: { fromStepId: 'deploy', version: 'latest' } });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    const r2 = rerun.body.executionId as string;
    const [approval] = await pendingApprovals(r2);
    const self = await decide(approval.id, adminA);
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ error: { code: 'not_an_approver', details: { reason: 'started_the_run' } } });
    expect(runCount(dir, 'deploy.count')).toBe(0);
    expect((await decide(approval.id, adminB)).status).toBe(200);
    const done = await finished(r2);
    expect(done).toMatchObject({ status: 'succeeded', workflowVersion: 2 });
    expect(latest(done, 'deploy').output.stdout).toBe('v2\n');
  });

  it('approvals inside a conditional and a loop ask again; the other steps inside them stay reused', async () => {
    const dir = scratchDir();
    const { executionId } = await approvedThenFailed(
      {
        name: 'Nested gates',
        steps: [
          {
            id: 'check',
            type: 'conditional',
            condition: 'true',
            then: [{ id: 'inner', type: 'bash', command: `echo ran >> ${dir}/inner.count; echo inner` }, gate('inner_gate')],
          },
          {
            id: 'each',
            type: 'loop',
            over: '["a", "b"]',
            steps: [{ id: 'prep', type: 'bash', command: `echo ran >> ${dir}/prep.count; echo {{ item }}` }, gate('each_gate')],
          },
          flakyDeploy(dir),
        ],
      },
      3,
    );
    expect(runCount(dir, 'prep.count')).toBe(2);
    fs.writeFileSync(path.join(dir, 'flag'), '');

    const rerun = await s.request('POST', `/api/executions/${executionId}/rerun`, { ...as(operator), body: { fromStepId: 'deploy' } });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    const r2 = rerun.body.executionId as string;
    const asked: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [approval] = await pendingApprovals(r2);
      asked.push(`${approval.stepId}|${approval.iterationPath}`);
      expect((await decide(approval.id, adminB)).status).toBe(200);
      await waitUntil(async () => (await s.request('GET', `/api/approvals/${approval.id}`)).body.status === 'approved', 10_000, 'the decision');
    }
    expect(asked).toEqual(['inner_gate|', 'each_gate|each[0]', 'each_gate|each[1]']);
    const done = await finished(r2);
    expect(done.status).toBe('succeeded');
    expect(latest(done, 'inner')).toMatchObject({ status: 'succeeded', reused: true });
    expect(latest(done, 'prep', 'each[1]')).toMatchObject({ status: 'succeeded', reused: true });
    expect(latest(done, 'check').reused).toBeFalsy();
    expect(latest(done, 'each').reused).toBeFalsy();
    expect(runCount(dir, 'inner.count')).toBe(1);
    expect(runCount(dir, 'prep.count')).toBe(2);
  });

  it('a fix`s re-run asks again too', async () => {
    const dir = scratchDir();
    const chat = await newChat(s);
    const workflowId = await createWorkflow({ name: 'Fixed deploy', steps: [gate(), flakyDeploy(dir)] });
    const r1 = await run(workflowId, { token: s.token }, {}, chat.id);
    await approveAll(r1, adminA);
    expect((await finished(r1)).status).toBe('failed');
    const reply = await say(s, chat.id, '/fix');
    const fixId = reply.parts.find((p: any) => p.type === 'fix').fixId;
    fs.writeFileSync(path.join(dir, 'flag'), '');
    const rerun = await s.request('POST', `/api/fixes/${fixId}/rerun`, { body: {} });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    const r2 = rerun.body.executionId as string;
    const [approval] = await pendingApprovals(r2);
    expect(approval.stepId).toBe('confirm');
    expect(runCount(dir, 'deploy.count')).toBe(1);
    expect((await decide(approval.id, adminB)).status).toBe(200);
    expect((await finished(r2)).status).toBe('succeeded');
    expect(runCount(dir, 'deploy.count')).toBe(2);
  });
});

describe('a version other than the latest needs write', () => {
  /** Version 1 without a gate, version 2 with one. */
  async function gateAddedLater() {
    const v1 = { name: 'Gate added later', steps: [{ id: 'deploy', type: 'bash', command: 'echo deployed' }] };
    const workflowId = await createWorkflow(v1);
    const r1 = await run(workflowId, operator);
    expect((await finished(r1)).status).toBe('succeeded');
    const v2 = await s.request('PUT', `/api/workflows/${workflowId}`, { body: { definition: { ...v1, steps: [gate(), ...v1.steps] }, baseVersion: 1 } });
    expect(v2.status).toBe(200);
    return { workflowId, r1 };
  }

  it('run: version 1 is 403 version_requires_write for run alone, fine with write; the latest is fine for run', async () => {
    const { workflowId } = await gateAddedLater();
    const old = await s.request('POST', `/api/workflows/${workflowId}/run`, { ...as(operator), body: { version: 1 } });
    expect(old.status).toBe(403);
    expect(old.body.error).toMatchObject({ code: 'version_requires_write', details: { version: 1, latestVersion: 2, missing: 'write' } });
    expect(old.body.error.message).toMatch(/^version: .*"latest"/);
    expect((await s.request('GET', `/api/executions?workflowId=${workflowId}&limit=10`)).body.executions).toHaveLength(1);

    const latestRun = await s.request('POST', `/api/workflows/${workflowId}/run`, { ...as(operator), body: { version: 2 } });
    expect(latestRun.status).toBe(202);
    await pendingApprovals(latestRun.body.executionId); // the gate of version 2
    const byEditor = await s.request('POST', `/api/workflows/${workflowId}/run`, { ...as(editor), body: { version: 1 } });
    expect(byEditor.status).toBe(202);
    expect((await finished(byEditor.body.executionId)).status).toBe('succeeded');
  });

  it('re-run: a run of an older version re-runs on it only with write; "latest" is fine for run', async () => {
    const { r1 } = await gateAddedLater();
    for (const body of [{}, { version: 1 }]) {
      const res = await s.request('POST', `/api/executions/${r1}/rerun`, { ...as(operator), body });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'version_requires_write', details: { version: 1, latestVersion: 2 } });
      expect(res.body.error.message).toContain('"version": "latest"');
    }
    const onLatest = await s.request('POST', `/api/executions/${r1}/rerun`, { ...as(operator), body: { version: 'latest' } });
    expect(onLatest.status).toBe(202);
    await pendingApprovals(onLatest.body.executionId);
    const byEditor = await s.request('POST', `/api/executions/${r1}/rerun`, { ...as(editor), body: {} });
    expect(byEditor.status).toBe(202);
    expect((await finished(byEditor.body.executionId)).status).toBe('succeeded');
  });

  it('a re-run of a run on the latest version stays open to run', async () => {
    const workflowId = await createWorkflow({ name: 'Still latest', steps: [{ id: 'a', type: 'bash', command: 'echo a' }] });
    const r1 = await run(workflowId, operator);
    expect((await finished(r1)).status).toBe('succeeded');
    const res = await s.request('POST', `/api/executions/${r1}/rerun`, { ...as(operator), body: {} });
    expect(res.status).toBe(202);
  });

  it('run_workflow: an older version is refused for run alone and inside a workflow', async () => {
    const { workflowId } = await gateAddedLater();
    const call = (who: { token: string }, args: Record<string, unknown>) =>
      s.request('POST', '/api/tools/call', { ...as(who), body: { name: 'workflows:run_workflow', arguments: args } });
    const old = await call(operator, { id: workflowId, version: 1 });
    expect(old.status, JSON.stringify(old.body)).toBe(403);
    expect(old.body.error.code).toBe('version_requires_write');
    const fine = await call(editor, { id: workflowId, version: 1 });
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);

    // A workflow (an agent step's tools are workflows:*) may not pick an older version, whoever started it.
    const caller = await createWorkflow({
      name: 'Calls an old version',
      steps: [{ id: 'call', type: 'tool', tool: 'workflows:run_workflow', arguments: { id: workflowId, version: 1 } }],
    });
    const parent = await finished(await run(caller, editor));
    expect(parent.status).toBe('failed');
    expect(JSON.stringify(latest(parent, 'call').error)).toContain('version_requires_write');
  });
});
