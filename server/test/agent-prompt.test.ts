import { messageText } from '@weft/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { agentStackHooks } from './helpers/agent-stack';
import { finishedExecution } from './helpers/executions';
import { overloaded, startFakeAnthropic, textTurn, toolTurn, type FakeAnthropic } from './helpers/fake-anthropic';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, minimalDefinition, startServer, type TestServer } from './helpers/server';

let fake: FakeAnthropic;
let s: TestServer;
let r: RunnerProcess;
const dataDir = makeDataDir();
const llmEnv = () => ({
  ANTHROPIC_API_KEY: 'k',
  ANTHROPIC_BASE_URL: fake.url,
  WEFT_MODEL: 'claude-a',
  WEFT_FALLBACK_MODELS: 'claude-b',
  WEFT_LLM_MAX_RETRIES: '0',
});

beforeAll(async () => {
  fake = await startFakeAnthropic();
  s = await startServer({
    dataDir,
    env: { WEFT_TOKEN: 'agent-test-token-0123456789', ...llmEnv() },
    config: { leaseMs: 1500, runnerHeartbeatMs: 300, engineTickMs: 50 },
  });
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir, env: llmEnv() });
});
agentStackHooks(() => ({ fake, s, r }));

async function start(steps: unknown[], sessionId?: string) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition: { name: 'Agent', steps } } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const res = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: sessionId ? { sessionId } : {} });
  return res.body.executionId as string;
}
const finished = (id: string) => finishedExecution(s, id);
async function stepMessages(sessionId: string, stepId: string) {
  const page = (await s.request('GET', `/api/sessions/${sessionId}/messages?limit=200`)).body;
  return page.messages.filter((m: any) => m.stepId === stepId);
}

describe('agent_prompt through a real runner and the real SDK', () => {
  it('streams the turn into the session with back-pointers; stored text equals the stream', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    const text = 'Three open issues need attention: #12, #15 and #19.';
    fake.setScript([{ kind: 'stream', events: textTurn(text, { chunks: 12, inputTokens: 42, outputTokens: 17 }) }]);
    const id = await start([{ id: 'think', type: 'agent_prompt', prompt: 'Summarise {{ 2 + 1 }} issues' }], session.id);
    const ex = await finished(id);
    expect(ex.status).toBe('succeeded');
    const out = ex.steps.find((st: any) => st.stepId === 'think').output;
    // claude-test has no list price: the cost is unknown, not zero.
    expect(out).toEqual({
      text,
      model: 'claude-test',
      provider: 'anthropic',
      usage: { inputTokens: 42, outputTokens: 17, costUsd: null },
      attempts: 1,
      turns: 1,
      toolCalls: { total: 0, failed: 0, denied: 0 },
    });
    const msgs = await stepMessages(session.id, 'think');
    const prompt = msgs.find((m: any) => m.role === 'user');
    const reply = msgs.find((m: any) => m.role === 'assistant');
    expect(messageText(prompt)).toBe('Summarise 3 issues');
    expect(reply).toMatchObject({ executionId: id, stepId: 'think', attempt: 1, status: 'complete' });
    expect(messageText(reply)).toBe(text);
    expect(fake.requests[0]!.body.messages[0].content).toBe('Summarise 3 issues');
  });

  it('runs the tool loop over the workflow tools, with the input streamed and the result stored', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Listed by agent') } });
    fake.setScript([
      {
        kind: 'stream',
        events: toolTurn([
          { id: 'tu_1', name: 'workflows__list_workflows', input: {} },
          { id: 'tu_2', name: 'workflows__delete_workflow', input: { id: 'wf_x' } },
        ]),
      },
      { kind: 'stream', events: textTurn('Found them.') },
    ]);
    const id = await start([{ id: 'look', type: 'agent_prompt', prompt: 'What workflows exist?' }], session.id);
    const ex = await finished(id);
    expect(ex.status).toBe('succeeded');
    // Self-mutating tools are not offered in workflow context, and refused if called anyway.
    const offered = fake.requests[0]!.body.tools.map((t: any) => t.name);
    expect(offered).toContain('workflows__list_workflows');
    expect(offered).not.toContain('workflows__delete_workflow');
    const reply = (await stepMessages(session.id, 'look')).find((m: any) => m.role === 'assistant');
    const calls = reply.parts.filter((p: any) => p.type === 'tool_call');
    expect(calls[0]).toMatchObject({ name: 'workflows:list_workflows', status: 'succeeded', inputText: '{}' });
    expect(calls[1]).toMatchObject({ name: 'workflows:delete_workflow', status: 'failed' });
    const results = reply.parts.filter((p: any) => p.type === 'tool_result');
    expect(results[0].output).toContainEqual(expect.objectContaining({ name: 'Listed by agent' }));
    expect(results[1]).toMatchObject({ isError: true });
    expect(reply.parts.some((p: any) => p.type === 'tool_call' && p.status === 'running')).toBe(false);
  });

  it('validates structured output: one fix-up, the superseded attempt finalized canceled', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    fake.setScript([
      { kind: 'stream', events: textTurn(JSON.stringify({ severity: 'urgent' })) },
      { kind: 'stream', events: textTurn(JSON.stringify({ severity: 'high', count: 3 })) },
    ]);
    const id = await start(
      [
        {
          id: 'triage',
          type: 'agent_prompt',
          prompt: 'Triage',
          output: {
            schema: { type: 'object', required: ['severity', 'count'], properties: { severity: { enum: ['low', 'high'] }, count: { type: 'integer' } } },
          },
        },
      ],
      session.id,
    );
    const ex = await finished(id);
    expect(ex.status).toBe('succeeded');
    expect(ex.steps.find((st: any) => st.stepId === 'triage').output).toMatchObject({ structured: { severity: 'high', count: 3 }, attempts: 2 });
    expect(fake.requests[0]!.body.output_config.format.type).toBe('json_schema');
    expect(fake.requests[1]!.body.messages.at(-1).content).toMatch(/count|severity/);
    const replies = (await stepMessages(session.id, 'triage')).filter((m: any) => m.role === 'assistant');
    expect(replies.map((m: any) => m.status)).toEqual(['canceled', 'complete']);
    expect(replies[0].parts.at(-1)).toEqual({ type: 'finish', reason: 'canceled' });
  });

  it('fails over to the next model and finalizes the failed attempt canceled', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    fake.setScript([
      { kind: 'stream', events: textTurn('partial answer that never ends', { chunks: 6 }), cutAfter: 4 },
      { kind: 'stream', events: textTurn('Answer from b.', { model: 'claude-b' }) },
    ]);
    const id = await start([{ id: 'ask', type: 'agent_prompt', prompt: 'Q' }], session.id);
    const ex = await finished(id);
    expect(ex.status).toBe('succeeded');
    expect(fake.requests.map((q) => q.body.model)).toEqual(['claude-a', 'claude-b']);
    expect(ex.steps.find((st: any) => st.stepId === 'ask').output).toMatchObject({ text: 'Answer from b.', model: 'claude-b', attempts: 2 });
    const replies = (await stepMessages(session.id, 'ask')).filter((m: any) => m.role === 'assistant');
    expect(replies.map((m: any) => m.status)).toEqual(['canceled', 'complete']);
    void overloaded;
  });

  it('a timeout fails the step and finalizes the message error; cancel aborts the request', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    fake.setScript(() => ({ kind: 'stream', events: textTurn('slow thoughts that never finish', { chunks: 8 }), hangAfter: 4 }));
    const id = await start([{ id: 'slow', type: 'agent_prompt', prompt: 'Q', timeoutSeconds: 1 }], session.id);
    const ex = await finished(id);
    expect(ex.status).toBe('failed');
    expect(ex.steps.find((st: any) => st.stepId === 'slow').error.message).toMatch(/time/i);
    const reply = (await stepMessages(session.id, 'slow')).find((m: any) => m.role === 'assistant');
    expect(reply.status).toBe('error');

    const id2 = await start([{ id: 'stuck', type: 'agent_prompt', prompt: 'Q' }], session.id);
    await waitUntil(async () => (await stepMessages(session.id, 'stuck')).some((m: any) => m.role === 'assistant'), 20_000, 'a streaming reply');
    await s.request('POST', `/api/executions/${id2}/cancel`);
    await waitUntil(async () => (await stepMessages(session.id, 'stuck')).every((m: any) => m.status !== 'streaming'), 10_000, 'the turn to close');
    const closed = (await stepMessages(session.id, 'stuck')).find((m: any) => m.role === 'assistant');
    expect(closed.status).toBe('canceled');
  });

  it('offline (no model): the answer is plainly marked offline', async () => {
    const offline = await startServer({ dataDir: makeDataDir(), env: { WEFT_TOKEN: 'offline-agent-token-0123456789' }, config: { engineTickMs: 50 } });
    const runner = startRunner({ url: offline.url, token: offline.runnerToken, dataDir: offline.dataDir });
    try {
      const wf = await offline.request('POST', '/api/workflows', {
        body: { definition: { name: 'Off', steps: [{ id: 'a', type: 'agent_prompt', prompt: 'hello' }] } },
      });
      const run = await offline.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
      let ex: any;
      await waitUntil(async () => {
        ex = (await offline.request('GET', `/api/executions/${run.body.executionId}`)).body;
        return ex.status === 'succeeded' || ex.status === 'failed';
      }, 30_000);
      const out = ex.steps.find((st: any) => st.stepId === 'a').output;
      expect(out).toMatchObject({ provider: 'offline', model: 'offline' });
      expect(out.text).toMatch(/^\[offline\]/);
      // An execution without a session got one of its own, with the messages in it.
      expect(ex.sessionId).toMatch(/^ses_/);
    } finally {
      await runner.kill('SIGKILL');
      await offline.close();
    }
  });

  it('after a runner crash mid-turn, discards the partial turn and runs a new attempt', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    fake.setScript((_req, n) =>
      n === 0
        ? { kind: 'stream', events: textTurn('this partial turn will be lost', { chunks: 10 }), delayMs: 400 }
        : { kind: 'stream', events: textTurn('Second attempt answer.') },
    );
    const id = await start([{ id: 'fragile', type: 'agent_prompt', prompt: 'Q' }], session.id);
    await waitUntil(
      async () => {
        const replies = (await stepMessages(session.id, 'fragile')).filter((m: any) => m.role === 'assistant');
        return replies.length > 0 && messageText(replies[0]).length > 0;
      },
      20_000,
      'partial text',
    );
    await r.kill('SIGKILL');
    r = startRunner({ url: s.url, token: s.runnerToken, dataDir, env: llmEnv() });
    const ex = await finished(id);
    expect(ex.status).toBe('succeeded');
    const attempts = ex.steps.filter((st: any) => st.stepId === 'fragile').map((st: any) => [st.attempt, st.status]);
    expect(attempts).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    const replies = (await stepMessages(session.id, 'fragile')).filter((m: any) => m.role === 'assistant');
    expect(replies.map((m: any) => [m.attempt, m.status])).toEqual([
      [1, 'canceled'],
      [2, 'complete'],
    ]);
    expect(messageText(replies[1])).toBe('Second attempt answer.');
  });
});
