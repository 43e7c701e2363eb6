import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

/** Issue 20 §5: a run's model usage and estimated cost, summed over its agent steps. */

let s: TestServer;
let runner: FakeRunner;
beforeAll(async () => {
  s = await startServer();
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
});
afterAll(async () => {
  runner.close();
  await s.close();
});

const definition = {
  name: 'Two agents',
  steps: [
    { id: 'plan', type: 'agent_prompt', prompt: 'Plan' },
    { id: 'shell', type: 'bash', command: 'echo hi' },
    { id: 'act', type: 'agent_prompt', prompt: 'Act' },
  ],
};
const agentOutput = (model: string, inputTokens: number, outputTokens: number, costUsd?: number) => ({
  text: 'ok',
  model,
  provider: 'anthropic',
  usage: { inputTokens, outputTokens, ...(costUsd === undefined ? {} : { costUsd }) },
  attempts: 1,
});

async function runWith(outputs: { plan: unknown; act: unknown }) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition: { ...definition, name: `Usage ${Math.random()}` } } });
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  const at = (stepId: string) => ({ stepId, iterationPath: '', attempt: 1 });
  const ack = await runner.events(grant, [
    { seq: 1, type: 'step.succeeded', ...at('plan'), output: outputs.plan },
    // A bash step's output that happens to have a `usage` is no model's usage.
    { seq: 2, type: 'step.succeeded', ...at('shell'), output: { stdout: 'hi', usage: { inputTokens: 1e6, outputTokens: 1e6 } } },
    { seq: 3, type: 'step.succeeded', ...at('act'), output: outputs.act },
  ]);
  expect(ack.type).toBe('ack');
  return (await s.request('GET', `/api/executions/${executionId}`)).body;
}

describe('GET /api/executions/:id usage', () => {
  it('sums tokens and cost over the agent steps, estimating the cost of an output that carries none', async () => {
    const ex = await runWith({ plan: agentOutput('claude-sonnet-4-5', 1000, 200, 0.006), act: agentOutput('claude-sonnet-4-5', 500, 100) });
    expect(ex.usage).toEqual({ inputTokens: 1500, outputTokens: 300, costUsd: 0.009 });
  });

  it('has no cost when one model has no known price, and zeros for a run without agent output', async () => {
    const ex = await runWith({ plan: agentOutput('claude-sonnet-4-5', 10, 10, 0.1), act: agentOutput('mystery-model', 5, 5) });
    expect(ex.usage).toEqual({ inputTokens: 15, outputTokens: 15, costUsd: null });
    const none = await runWith({ plan: { text: 'no usage' }, act: null });
    expect(none.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });
});
