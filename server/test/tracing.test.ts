import http from 'node:http';
import { parseTraceparent } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { waitUntil } from './helpers/live-client';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';
import { tracingSdkLoaded } from '../src/tracing/tracing';

// Traces end to end: a real server and a real runner process export to a local OTLP receiver.
let s: TestServer;
let r: RunnerProcess;
let receiver: OtlpReceiver;
let target: http.Server;
let targetUrl: string;
const hits: { url: string; traceparent: string | undefined }[] = [];
const dataDir = makeDataDir();
/** What the workflow sets itself on its failing request: Weft must not replace it. */
const OWN_TRACEPARENT = '00-11111111111111111111111111111111-2222222222222222-01';

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  target = http.createServer((req, res) => {
    hits.push({ url: req.url ?? '', traceparent: req.headers.traceparent as string | undefined });
    req.resume();
    if (req.url === '/fail') res.writeHead(503).end('down');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((res) => target.listen(0, '127.0.0.1', res));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
  s = await startServer({ dataDir, env: otel, config: { leaseMs: 3000, runnerHeartbeatMs: 500, engineTickMs: 50 } });
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir, env: { ...otel, WEFT_HTTP_ALLOW: '127.0.0.1', WEFT_LOG_LEVEL: 'info' } });
});
afterAll(async () => {
  await r?.kill('SIGTERM');
  await s?.close();
  await new Promise((res) => target?.close(res));
  await receiver?.close();
});

const only = (spans: ReceivedSpan[], what: string, match: (span: ReceivedSpan) => boolean): ReceivedSpan => {
  const found = spans.filter(match);
  expect(found, `${what} among ${spans.map((x) => x.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
};

describe('OpenTelemetry traces', () => {
  it('one trace per webhook-started execution: webhook span, execution span, step and attempt spans from the runner', async () => {
    expect(tracingSdkLoaded()).toBe(true);
    const wf = await s.request('POST', '/api/workflows', {
      body: {
        definition: {
          name: 'Traced',
          steps: [
            { id: 'fetch', type: 'http', method: 'GET', url: `${targetUrl}/ok` },
            {
              id: 'check',
              type: 'conditional',
              condition: 'steps.fetch.output.status == 200',
              then: [{ id: 'say', type: 'bash', command: 'echo hi' }],
            },
            {
              id: 'fail',
              type: 'http',
              method: 'GET',
              url: `${targetUrl}/fail`,
              headers: { traceparent: OWN_TRACEPARENT },
              retry: { maxAttempts: 2, backoffSeconds: 0 },
            },
          ],
        },
      },
    });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const workflowId = wf.body.id as string;
    const trigger = await s.request('PUT', '/api/triggers/traced', {
      body: { workflowId, type: 'webhook', enabled: true, webhook: { path: 'traced', verify: 'none' } },
    });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);

    const hook = await fetch(`${s.url}/hooks/traced?wait=30`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const answer = (await hook.json()) as { executionId: string; status: string };
    expect(answer.status).toBe('failed');
    const executionId = answer.executionId;
    await finishedExecution(s, executionId);

    const mine = () => receiver.spans.filter((x) => x.attributes['weft.execution.id'] === executionId);
    const names = ['execution', 'POST /hooks/*', 'step fetch', 'step check', 'step say', 'step fail'];
    await waitUntil(
      () => names.every((name) => mine().some((x) => x.name.startsWith(name))) && mine().filter((x) => x.name.startsWith('attempt')).length === 5,
      15_000,
      'the spans of the run',
    );
    const spans = mine();

    // One trace: the webhook request is its root, the execution span its child.
    const webhook = only(spans, 'the webhook span', (x) => x.name === 'POST /hooks/*');
    const execution = only(spans, 'the execution span', (x) => x.name === `execution ${workflowId}`);
    expect(spans.every((x) => x.traceId === webhook.traceId)).toBe(true);
    expect(webhook).toMatchObject({ service: 'weft-server', parentSpanId: '', kind: 2 });
    expect(webhook.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/hooks/*', 'http.response.status_code': 200 });
    expect(execution).toMatchObject({ service: 'weft-server', parentSpanId: webhook.spanId, status: { code: 2 } });
    expect(execution.attributes).toMatchObject({ 'weft.workflow.id': workflowId, 'weft.workflow.version': 1, 'weft.execution.status': 'failed' });
    // The ids were stored with the execution, so any later lease or server continues the same trace.
    const row = s.app.db.prepare('SELECT traceparent, trace_parent_span_id FROM executions WHERE id = ?').get(executionId) as Record<string, string>;
    expect(row).toEqual({ traceparent: `00-${execution.traceId}-${execution.spanId}-01`, trace_parent_span_id: webhook.spanId });

    // Step spans (from the runner) under the execution; nested steps under their container's attempt.
    const step = (id: string) => only(spans, `step ${id}`, (x) => x.name === `step ${id}`);
    const attempts = (of: ReceivedSpan) => spans.filter((x) => x.parentSpanId === of.spanId && x.name.startsWith('attempt'));
    for (const id of ['fetch', 'check', 'fail']) expect(step(id)).toMatchObject({ service: 'weft-runner', parentSpanId: execution.spanId });
    const [checkAttempt] = attempts(step('check'));
    expect(step('say').parentSpanId).toBe(checkAttempt!.spanId);
    expect(step('fetch').attributes).toMatchObject({
      'weft.workflow.id': workflowId,
      'weft.workflow.version': 1,
      'weft.step.id': 'fetch',
      'weft.step.type': 'http',
      'weft.step.attempt': 1,
      'weft.step.status': 'succeeded',
    });
    expect(step('fetch').status.code).toBe(1);

    // The http step's request carried its attempt span's context; the workflow's own traceparent was kept.
    const [fetchAttempt] = attempts(step('fetch'));
    const sent = parseTraceparent(hits.find((h) => h.url === '/ok')?.traceparent);
    expect(sent).toEqual({ traceId: execution.traceId, spanId: fetchAttempt!.spanId, flags: 1 });
    expect(hits.filter((h) => h.url === '/fail').map((h) => h.traceparent)).toEqual([OWN_TRACEPARENT, OWN_TRACEPARENT]);

    // A failing step: each attempt span and the step span in ERROR, the error recorded.
    const failAttempts = attempts(step('fail')).sort((a, b) => Number(a.attributes['weft.step.attempt']) - Number(b.attributes['weft.step.attempt']));
    expect(failAttempts.map((x) => [x.name, x.status.code, x.attributes['weft.step.status']])).toEqual([
      ['attempt 1', 2, 'failed'],
      ['attempt 2', 2, 'failed'],
    ]);
    expect(failAttempts[0]!.attributes['weft.step.retry_in_ms']).toBe(0);
    expect(failAttempts[1]!.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.message': expect.stringContaining('503') } });
    expect(step('fail')).toMatchObject({ status: { code: 2, message: expect.stringContaining('503') } });
    expect(step('fail').attributes).toMatchObject({ 'weft.step.attempt': 2, 'weft.step.status': 'failed' });

    // The runner said so when it started.
    expect(r.output()).toContain(`"traces":"${receiver.url}/v1/traces"`);
  });

  it("a webhook called with a traceparent continues the caller's trace", async () => {
    const wf = await s.request('POST', '/api/workflows', { body: { definition: { name: 'Quick', steps: [{ id: 'one', type: 'bash', command: 'true' }] } } });
    await s.request('PUT', '/api/triggers/quick', {
      body: { workflowId: wf.body.id, type: 'webhook', enabled: true, webhook: { path: 'quick', verify: 'none' } },
    });
    const caller = { traceId: 'abcdefabcdefabcdefabcdefabcdef01', spanId: '0123456789abcdef' };
    const hook = await fetch(`${s.url}/hooks/quick?wait=30`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
      body: '{}',
    });
    const { executionId } = (await hook.json()) as { executionId: string };
    await waitUntil(() => receiver.spans.some((x) => x.name === 'step one' && x.attributes['weft.execution.id'] === executionId), 15_000, 'the step span');
    await waitUntil(
      () => receiver.spans.some((x) => x.name.startsWith('execution') && x.attributes['weft.execution.id'] === executionId),
      15_000,
      'the execution span',
    );
    const spans = receiver.spans.filter((x) => x.attributes['weft.execution.id'] === executionId);
    const webhook = only(spans, 'the webhook span', (x) => x.name === 'POST /hooks/*');
    expect(webhook).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
    expect(spans.every((x) => x.traceId === caller.traceId)).toBe(true);
  });
});
