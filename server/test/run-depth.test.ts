import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

let s: TestServer;
let r: RunnerProcess;
const dataDir = makeDataDir();

beforeAll(async () => {
  s = await startServer({ dataDir, env: { WEFT_MAX_RUN_DEPTH: '2' }, config: { engineTickMs: 50 } });
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir });
});
afterAll(async () => {
  await r.kill('SIGKILL');
  await s.close();
});

/** A workflow that starts itself: without a limit it would never stop. */
const forkBomb = {
  name: 'Fork bomb',
  inputs: { self: { type: 'string', required: true } },
  steps: [{ id: 'again', type: 'tool', tool: 'workflows:run_workflow', arguments: { id: '{{ inputs.self }}', inputs: { self: '{{ inputs.self }}' } } }],
};

describe('runs started from inside a run', () => {
  it('carry their depth; past WEFT_MAX_RUN_DEPTH the start is refused with run_depth_exceeded', async () => {
    const wf = (await s.request('POST', '/api/workflows', { body: { definition: forkBomb } })).body;
    const first = (await s.request('POST', `/api/workflows/${wf.id}/run`, { body: { inputs: { self: wf.id } } })).body.executionId;
    let runs: any[] = [];
    await waitUntil(
      async () => {
        runs = (await s.request('GET', `/api/executions?workflowId=${wf.id}&limit=50`)).body.executions;
        return runs.length === 3 && runs.every((e) => ['succeeded', 'failed'].includes(e.status));
      },
      30_000,
      'the chain to stop',
    );
    const chain = [...runs].reverse();
    expect(chain[0].id).toBe(first);
    expect(chain.map((e) => e.trigger.depth)).toEqual([undefined, 1, 2]);
    expect(chain[1].trigger).toMatchObject({ type: 'tool', actor: 'workflow', fromExecution: chain[0].id });
    expect(chain[2].trigger).toMatchObject({ fromExecution: chain[1].id });
    expect(chain.map((e) => e.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    const deepest = (await s.request('GET', `/api/executions/${chain[2].id}`)).body;
    const attempts = deepest.steps.filter((st: any) => st.stepId === 'again');
    expect(attempts, 'a refusal is not retried').toHaveLength(1);
    expect(attempts[0].error).toMatchObject({ code: 'run_depth_exceeded', message: expect.stringMatching(/past the limit of 2 \(WEFT_MAX_RUN_DEPTH\)/) });
    expect(s.app.db.prepare(`SELECT run_depth FROM executions WHERE workflow_id = ? ORDER BY run_depth`).all(wf.id)).toEqual([
      { run_depth: 0 },
      { run_depth: 1 },
      { run_depth: 2 },
    ]);

    // The same through the API, as the runner calls it.
    const refused = await s.request('POST', '/api/tools/call', {
      body: { name: 'workflows:run_workflow', arguments: { id: wf.id, inputs: { self: 'x' } }, context: { executionId: chain[2].id } },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'run_depth_exceeded', details: { depth: 3, maxRunDepth: 2 } });
    // A person's run (and the assistant's) starts a new chain at 0.
    const byHand = (
      await s.request('POST', '/api/tools/call', { body: { name: 'workflows:run_workflow', arguments: { id: wf.id, inputs: { self: 'wf_none' } } } })
    ).body.result.executionId;
    expect(s.app.db.prepare('SELECT run_depth FROM executions WHERE id = ?').get(byHand)).toEqual({ run_depth: 0 });
  });
});
