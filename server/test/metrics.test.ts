import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { finishedExecution } from './helpers/executions';
import { serverError, startFakeAnthropic, textTurn, type FakeAnthropic } from './helpers/fake-anthropic';
import { connectLive, waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { parseExposition, sampleValue, type Sample } from './helpers/prometheus';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/**
 * `GET /metrics` and `/api/ready` on a real server, with a real runner process started only once
 * the "no runner" cases were seen, and the real SDK against a scripted fake model. The exposition
 * is parsed, never compared as text.
 */
const METRICS_TOKEN = 'metrics-scraper-token-0123456789';
const dataDir = makeDataDir();
let fake: FakeAnthropic;
let s: TestServer;
let runner: RunnerProcess | null = null;
const llmEnv = () => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url, WEFT_LLM_MAX_RETRIES: '0' });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  s = await startServer({ dataDir, env: { WEFT_METRICS_TOKEN: METRICS_TOKEN, ...llmEnv() }, config: { engineTickMs: 50 } });
});
afterAll(async () => {
  await runner?.kill('SIGKILL');
  await s.close();
  await fake.close();
});

async function scrape(): Promise<Sample[]> {
  const res = await s.request('GET', '/metrics', { token: METRICS_TOKEN });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.body);
}
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels) ?? 0;

async function createWorkflow(definition: unknown): Promise<string> {
  const res = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

describe('GET /metrics access', () => {
  it('takes the metrics token or an admin, refuses everyone else as other routes do', async () => {
    const anonymous = await s.request('GET', '/metrics', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    expect((await s.request('GET', '/metrics', { token: 'not-the-metrics-token-at-all' })).status).toBe(401);

    expect((await s.request('GET', '/metrics', { token: METRICS_TOKEN })).status).toBe(200);
    expect((await s.request('GET', '/metrics')).status).toBe(200); // the owner's access token
    expect((await s.request('GET', '/metrics', { token: addPersonWithToken(s, 'admin').token })).status).toBe(200);

    for (const role of ['editor', 'operator', 'viewer'] as const) {
      const res = await s.request('GET', '/metrics', { token: addPersonWithToken(s, role).token });
      expect(res.status, role).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', details: { missing: 'admin', role } });
    }
    // An admin's token cut down to reading is refused too.
    expect((await s.request('GET', '/metrics', { token: addPersonWithToken(s, 'admin', ['read']).token })).status).toBe(403);

    // The metrics token opens nothing else; the runner token does not open /metrics.
    const elsewhere = await s.request('GET', '/api/workflows', { token: METRICS_TOKEN });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.code).toBe('wrong_credential');
    expect((await s.request('GET', '/api/ready', { token: METRICS_TOKEN })).status).toBe(403);
    const runnerToken = await s.request('GET', '/metrics', { token: s.runnerToken });
    expect(runnerToken.status).toBe(403);
    expect(runnerToken.body.error.code).toBe('wrong_credential');
  });
});

describe('WEFT_METRICS_TOKEN', () => {
  it('is refused when short or equal to another credential, never echoed', () => {
    expect(() => loadConfig({ WEFT_METRICS_TOKEN: 'short' })).toThrow(/WEFT_METRICS_TOKEN=\[redacted\]: must be at least 16/);
    const same = 'the-same-token-0123456789';
    expect(() => loadConfig({ WEFT_TOKEN: same, WEFT_METRICS_TOKEN: same })).toThrow(/WEFT_METRICS_TOKEN=\[redacted\]: must differ/);
    expect(() => loadConfig({ WEFT_RUNNER_TOKEN: same, WEFT_METRICS_TOKEN: same })).toThrow(/WEFT_METRICS_TOKEN=\[redacted\]: must differ/);
    expect(loadConfig({ WEFT_METRICS_TOKEN: METRICS_TOKEN }).metricsToken).toBe(METRICS_TOKEN);
  });
});

describe('readiness and the queue without a runner, then with one', { timeout: 90_000 }, () => {
  it('is 503 no_runner with a queued run aging, then ready once a runner connects, which takes the run', async () => {
    const notReady = await s.request('GET', '/api/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body.error).toMatchObject({
      code: 'no_runner',
      message: expect.stringContaining('no runner'),
      details: { checks: { database: { ok: true }, runner: { ok: false, connected: 0 } } },
    });

    const workflowId = await createWorkflow({ name: 'Waits', steps: [{ id: 'hello', type: 'bash', command: 'echo hi' }] });
    const run = await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} });
    expect(run.status).toBe(202);
    let samples: Sample[] = [];
    await waitUntil(
      async () => {
        samples = await scrape();
        return value(samples, 'weft_executions_oldest_queued_age_seconds') > 0;
      },
      10_000,
      'the queued run to age',
    );
    expect(value(samples, 'weft_executions_queued')).toBe(1);
    expect(value(samples, 'weft_executions_started_total', { workflow: workflowId })).toBe(1);
    expect(value(samples, 'weft_runners_connected')).toBe(0);
    expect(value(samples, 'weft_websocket_clients', { kind: 'runner' })).toBe(0);

    runner = startRunner({ url: s.url, token: s.runnerToken, dataDir, capacity: 3, env: llmEnv() });
    await waitUntil(async () => (await s.request('GET', '/api/ready')).status === 200, 30_000, 'ready with a runner');
    expect((await s.request('GET', '/api/ready')).body).toMatchObject({
      ready: true,
      version: expect.any(String),
      checks: { database: { ok: true }, runner: { ok: true, connected: 1 } },
    });
    expect((await finishedExecution(s, run.body.executionId)).status).toBe('succeeded');

    samples = await scrape();
    expect(value(samples, 'weft_runners_connected')).toBe(1);
    expect(value(samples, 'weft_runner_capacity_slots')).toBe(3);
    expect(value(samples, 'weft_websocket_clients', { kind: 'runner' })).toBe(1);
    expect(value(samples, 'weft_executions_queued')).toBe(0);
    expect(value(samples, 'weft_executions_oldest_queued_age_seconds')).toBe(0);
    expect(value(samples, 'weft_executions_finished_total', { workflow: workflowId, status: 'succeeded' })).toBe(1);
  });
});

describe('what runs leave in the exposition', { timeout: 120_000 }, () => {
  it('counts a webhook run, a manual run with an approval, an agent and a failing step, and a failed draft', async () => {
    expect(runner).not.toBeNull();
    const before = await scrape();
    const live = await connectLive(s.url, { token: s.token });

    const hooked = await createWorkflow({ name: 'Hooked', steps: [{ id: 'echo', type: 'bash', command: 'echo hooked' }] });
    const trigger = await s.request('PUT', '/api/triggers/metrics-hook', {
      body: { workflowId: hooked, type: 'webhook', enabled: true, webhook: { path: 'metrics', verify: 'none' } },
    });
    expect(trigger.status).toBe(200);
    const fired = await fetch(`${s.url}/hooks/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    expect(fired.status).toBe(202);
    const hookedRun = ((await fired.json()) as { executionId: string }).executionId;
    // A body that is not JSON: refused and counted, not recorded.
    const refused = await fetch(`${s.url}/hooks/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(refused.status).toBe(400);

    fake.setScript([{ kind: 'stream', events: textTurn('All good.', { model: 'claude-test', inputTokens: 12, outputTokens: 34 }) }]);
    const gated = await createWorkflow({
      name: 'Gated',
      steps: [
        { id: 'gate', type: 'approval', message: 'Go on?', allowSelfApproval: true },
        { id: 'think', type: 'agent_prompt', prompt: 'Say all is well' },
        { id: 'boom', type: 'bash', command: 'exit 3' },
      ],
    });
    const run = await s.request('POST', `/api/workflows/${gated}/run`, { body: {} });
    expect(run.status).toBe(202);
    let approvalId: string | undefined;
    await waitUntil(
      async () => {
        approvalId = (await s.request('GET', `/api/approvals?status=pending&executionId=${run.body.executionId}`)).body.approvals[0]?.id;
        return approvalId !== undefined;
      },
      20_000,
      'the approval',
    );
    expect((await s.request('POST', `/api/approvals/${approvalId}/decision`, { body: { decision: 'approve' } })).status).toBe(200);
    expect((await finishedExecution(s, run.body.executionId)).status).toBe('failed');
    expect((await finishedExecution(s, hookedRun)).status).toBe('succeeded');

    // Drafting's calls are journaled nowhere: a failing one is counted at the provider.
    fake.setScript([serverError()]);
    expect((await s.request('POST', '/api/workflows/draft', { body: { prompt: 'check the disk' } })).status).toBe(502);

    await waitUntil(async () => value(await scrape(), 'weft_websocket_clients', { kind: 'browser' }) === 1, 5_000, 'the browser socket counted');
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);

    expect(delta('weft_executions_started_total', { workflow: hooked })).toBe(1);
    expect(delta('weft_executions_started_total', { workflow: gated })).toBe(1);
    expect(delta('weft_executions_finished_total', { workflow: hooked, status: 'succeeded' })).toBe(1);
    expect(delta('weft_executions_finished_total', { workflow: gated, status: 'failed' })).toBe(1);
    expect(delta('weft_executions_finished_total', { workflow: gated, status: 'succeeded' })).toBe(0);

    expect(delta('weft_step_duration_seconds_count', { type: 'bash', status: 'succeeded' })).toBe(1);
    expect(delta('weft_step_duration_seconds_count', { type: 'bash', status: 'failed' })).toBe(1);
    expect(delta('weft_step_duration_seconds_count', { type: 'approval', status: 'succeeded' })).toBe(1);
    expect(delta('weft_step_duration_seconds_count', { type: 'agent_prompt', status: 'succeeded' })).toBe(1);
    // The histogram's buckets are cumulative: +Inf holds every observation.
    expect(delta('weft_step_duration_seconds_bucket', { type: 'bash', status: 'failed', le: '+Inf' })).toBe(1);

    expect(delta('weft_webhook_deliveries_total', { outcome: 'started', reason: '' })).toBe(1);
    expect(delta('weft_webhook_deliveries_total', { outcome: 'rejected', reason: 'bad_body' })).toBe(1);

    expect(delta('weft_approval_wait_seconds_count', { kind: 'step', outcome: 'approved' })).toBe(1);
    expect(delta('weft_approval_wait_seconds_sum', { kind: 'step', outcome: 'approved' })).toBeGreaterThan(0);

    expect(delta('weft_llm_tokens_total', { model: 'claude-test', direction: 'input', source: 'agent' })).toBe(12);
    expect(delta('weft_llm_tokens_total', { model: 'claude-test', direction: 'output', source: 'agent' })).toBe(34);
    expect(delta('weft_llm_errors_total', { source: 'drafting' })).toBe(1);
    expect(delta('weft_llm_errors_total', { source: 'agent' })).toBe(0);

    // synchronous=FULL (the default): every batch commits, then syncs its WAL.
    expect(delta('weft_journal_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(delta('weft_journal_fsync_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(after, 'weft_nodejs_eventloop_lag_seconds')).toBeDefined();
    expect(sampleValue(after, 'weft_process_resident_memory_bytes')).toBeGreaterThan(0);

    live.close();
    await waitUntil(async () => value(await scrape(), 'weft_websocket_clients', { kind: 'browser' }) === 0, 5_000, 'the browser socket gone');
  });
});
