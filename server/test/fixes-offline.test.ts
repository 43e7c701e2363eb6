import fs from 'node:fs';
import path from 'node:path';
import { FIX_FEEDERS_MAX, FIX_LOG_LINE_MAX_CHARS, FIX_VALUE_MAX_CHARS } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { finalReply, fixEvents, newChat, runCount, runToEnd, say, scratchDir, SCRATCH_ROOT } from './helpers/fixes';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { startServer, type TestServer } from './helpers/server';

/** `/fix` without a language model: the deterministic part and the re-run; and retention. */

let s: TestServer;
let runner: RunnerProcess;
beforeAll(async () => {
  s = await startServer({
    // Only the newest finished run is kept, once the test asks retention to run.
    config: {
      retention: {
        days: 3650,
        maxExecutions: 1,
        intervalMs: 86_400_000,
        startDelayMs: 86_400_000,
        compactAfterMs: 86_400_000_000,
        batchRows: 500,
        batchMs: 10_000,
      },
    },
  });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir: s.dataDir, env: { WEFT_SANDBOX_WRITE_PATHS: SCRATCH_ROOT } });
});
afterAll(async () => {
  await runner.kill();
  await s.close();
});

/** `deploy` needs a flag file the test creates after the first failure; it reads `prepare`'s output. */
const deploy = (dir: string) => ({
  name: 'Deploy',
  inputs: { host: { type: 'string', required: true } },
  steps: [
    { id: 'prepare', type: 'bash', command: `echo ran >> ${dir}/prepare.count; echo build-42` },
    { id: 'unrelated', type: 'bash', command: 'echo unrelated' },
    {
      id: 'deploy',
      type: 'bash',
      command: `b=$(echo $BUILD); for i in $(seq 1 30); do echo "line $i"; done; test -f ${dir}/flag || { echo "flag missing for $b on $HOST" >&2; exit 4; }; echo "deployed $b"`,
      env: { BUILD: '{{ steps.prepare.output.stdout }}', HOST: '{{ inputs.host }}' },
    },
  ],
});

describe('/fix offline', () => {
  it('gives the failed step, its error, the log tail and the steps that fed it; the re-run from the failed step reuses the rest', async () => {
    const dir = scratchDir();
    const chat = await newChat(s);
    const { workflowId, run } = await runToEnd(s, deploy(dir), chat.id);
    expect(run.status).toBe('failed');

    const reply = await say(s, chat.id, '/fix');
    expect(reply.text).toBe(
      `Run ${run.id} of Deploy failed at step deploy: ${run.steps.find((st: any) => st.stepId === 'deploy').error.message}\n` +
        'No language model is configured: the card shows what the run recorded (input, the steps that fed it, the log). Re-run it from step deploy with the same inputs from the card.',
    );
    const fixId = reply.parts.find((p) => p.type === 'fix').fixId;
    const fix = (await s.request('GET', `/api/fixes/${fixId}`)).body;
    expect(fix).toMatchObject({
      executionId: run.id,
      workflowId,
      status: 'diagnosed',
      provider: 'offline',
      diagnosis: null,
      summary: null,
      proposalId: null,
      error: null,
      createdBy: expect.any(String),
    });
    expect(fix.context.failedStep).toMatchObject({ stepId: 'deploy', type: 'bash', attempt: 1 });
    // Only the step it reads feeds it: `unrelated` ran too, but `deploy` never names it.
    expect(fix.context.feeders).toEqual([
      { stepId: 'prepare', status: 'succeeded', output: expect.objectContaining({ json: expect.stringContaining('build-42') }) },
    ]);
    // The newest 20 lines, the error's last.
    expect(fix.context.logTail).toHaveLength(20);
    expect(fix.context.logTail[0]).toBe('line 12');
    expect(fix.context.logTail.at(-1)).toBe('flag missing for build-42 on web-1');
    expect(fix.context.rerunFromStepId).toBe('deploy');

    const noProposal = await s.request('POST', `/api/fixes/${fixId}/apply`);
    expect(noProposal.status).toBe(409);
    expect(noProposal.body.error.code).toBe('no_proposal');

    // The cause is outside the workflow: fixed by hand, then one click re-runs from the failed step.
    fs.writeFileSync(path.join(dir, 'flag'), '');
    const rerun = await s.request('POST', `/api/fixes/${fixId}/rerun`, { body: {} });
    expect(rerun.status).toBe(202);
    const second = await finishedExecution(s, rerun.body.executionId);
    expect(second).toMatchObject({ status: 'succeeded', workflowVersion: 1, inputs: { host: 'web-1' }, sessionId: chat.id });
    expect(second.steps.filter((st: any) => st.reused).map((st: any) => st.stepId)).toEqual(['prepare', 'unrelated']);
    expect(second.steps.find((st: any) => st.stepId === 'deploy').output.stdout).toContain('deployed build-42');
    expect(runCount(dir, 'prepare.count')).toBe(1);
    await waitUntil(async () => (await fixEvents(s, fixId)).at(-1)?.rerun?.status === 'succeeded');
    expect((await fixEvents(s, fixId)).map((e) => e.status)).toEqual(['diagnosed', 'rerun', 'rerun']);

    // Repeatable: the latest re-run is the one kept.
    const third = await s.request('POST', `/api/fixes/${fixId}/rerun`);
    expect(third.status).toBe(202);
    await finishedExecution(s, third.body.executionId);
    expect((await s.request('GET', `/api/fixes/${fixId}`)).body.rerun).toEqual({ executionId: third.body.executionId, status: 'succeeded' });
  });

  it('a run canceled while it waited: the step it stopped at, and a re-run from there', async () => {
    const chat = await newChat(s);
    const wf = (
      await s.request('POST', '/api/workflows', { body: { definition: { name: 'Gate', steps: [{ id: 'gate', type: 'approval', message: 'Go?' }] } } })
    ).body;
    const started = (await s.request('POST', `/api/workflows/${wf.id}/run`, { body: { sessionId: chat.id } })).body;
    await waitUntil(async () => (await s.request('GET', `/api/executions/${started.executionId}`)).body.status === 'waiting');
    expect((await s.request('POST', `/api/executions/${started.executionId}/cancel`)).status).toBe(200);
    const reply = await say(s, chat.id, `/fix ${started.executionId}`);
    expect(reply.text).toMatch(new RegExp(`^Run ${started.executionId} of Gate was canceled at step gate: execution canceled\\n`));
    const fix = (await s.request('GET', `/api/fixes/${reply.parts.find((p) => p.type === 'fix').fixId}`)).body;
    expect(fix.context).toMatchObject({
      status: 'canceled',
      failedStep: { stepId: 'gate', type: 'approval' },
      feeders: [],
      logTail: [],
      rerunFromStepId: 'gate',
    });
    const rerun = await s.request('POST', `/api/fixes/${fix.id}/rerun`);
    expect(rerun.status).toBe(202);
    expect(rerun.body.fix.rerunFromStepId).toBe('gate');
    await waitUntil(async () => (await s.request('GET', `/api/executions/${rerun.body.executionId}`)).body.status === 'waiting');
    const again = (await s.request('GET', `/api/executions/${rerun.body.executionId}`)).body;
    expect(again.trigger).toEqual({ type: 'rerun', of: started.executionId, fromStepId: 'gate' });
    await s.request('POST', `/api/executions/${rerun.body.executionId}/cancel`);
  });
});

describe('a fix context stays bounded', () => {
  it('cuts long log lines and the whole tail, and keeps at most FIX_FEEDERS_MAX feeders', async () => {
    const chat = await newChat(s);
    const feeders = Array.from({ length: FIX_FEEDERS_MAX + 5 }, (_, i) => ({ id: `f${i}`, type: 'bash', command: `echo ${i}` }));
    const { run } = await runToEnd(
      s,
      {
        name: 'Long lines',
        inputs: { host: { type: 'string' } },
        steps: [
          ...feeders,
          {
            id: 'big',
            type: 'bash',
            // One 300,000-character line, then 19 lines of 450: too much for the tail together.
            command: "head -c 300000 /dev/zero | tr '\\0' x; echo; for i in $(seq 1 19); do head -c 450 /dev/zero | tr '\\0' y; echo; done; exit 3",
            env: { ALL: `{{ [${feeders.map((f) => `steps.${f.id}.output.stdout`).join(', ')}] }}` },
          },
        ],
      },
      chat.id,
    );
    expect(run.status).toBe('failed');
    const fixId = (await say(s, chat.id, `/fix ${run.id}`)).parts.find((p) => p.type === 'fix').fixId;
    const { context } = (await s.request('GET', `/api/fixes/${fixId}`)).body;
    expect(context.logTail.length).toBeGreaterThan(0);
    expect(Math.max(...context.logTail.map((l: string) => l.length))).toBeLessThanOrEqual(FIX_LOG_LINE_MAX_CHARS);
    expect(context.logTail.join('').length).toBeLessThanOrEqual(FIX_VALUE_MAX_CHARS);
    // The newest lines are the ones kept.
    expect(context.logTail.at(-1)).toBe('y'.repeat(450));
    expect(context.feeders.map((f: any) => f.stepId)).toEqual(feeders.slice(0, FIX_FEEDERS_MAX).map((f) => f.id));
    expect(context.failedStep.error.length).toBeLessThanOrEqual(FIX_VALUE_MAX_CHARS);
    // `/why` reads the same bounded tail.
    const why = await say(s, chat.id, `/why ${run.id}`);
    expect(why.text.length).toBeLessThan(FIX_VALUE_MAX_CHARS + 2000);
  });
});

describe('reads', () => {
  it('"Fix with the assistant" reads the run\'s steps once (the route checks the run without them), and listing fixes none', async () => {
    const { run } = await runToEnd(s, deploy(scratchDir()));
    const repo = s.app.executions.repo;
    const steps = repo.steps;
    let reads = 0;
    repo.steps = ((id: string) => {
      if (id === run.id) reads++;
      return steps(id);
    }) as typeof steps;
    try {
      const asked = await s.request('POST', `/api/executions/${run.id}/fixes`);
      expect(asked.status).toBe(202);
      await finalReply(s, asked.body.sessionId, asked.body.messageId);
      expect(reads).toBe(1);
      expect((await s.request('GET', `/api/executions/${run.id}/fixes`)).body.fixes).toHaveLength(1);
      expect(reads).toBe(1);
    } finally {
      repo.steps = steps;
    }
  });
});

describe('retention', () => {
  it("deletes a run's fixes with the run", async () => {
    const dir = scratchDir();
    // Outside any chat, so retention may take the run (the fix's own chat does not protect it).
    const { run } = await runToEnd(s, deploy(dir));
    const asked = await s.request('POST', `/api/executions/${run.id}/fixes`);
    expect(asked.status).toBe(202);
    await waitUntil(async () => (await s.request('GET', `/api/executions/${run.id}/fixes`)).body.fixes.length === 1);
    const fixId = (await s.request('GET', `/api/executions/${run.id}/fixes`)).body.fixes[0].id;
    // A newer finished run: the fixed one is now beyond the newest one kept.
    await runToEnd(s, { name: 'Later', inputs: { host: { type: 'string' } }, steps: [{ id: 'a', type: 'bash', command: 'echo later' }] });

    const swept = await s.app.retention.run();
    expect(swept.prunedExecutions.byCount).toBeGreaterThanOrEqual(1);
    expect((await s.request('GET', `/api/executions/${run.id}`)).status).toBe(410);
    expect((await s.request('GET', `/api/fixes/${fixId}`)).status).toBe(404);
    expect(s.app.db.prepare('SELECT COUNT(*) AS n FROM execution_fixes WHERE execution_id = ?').get(run.id)).toEqual({ n: 0 });
  });
});
