import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';
import { tracingSdkLoaded } from '../src/tracing/tracing';

// Without OTEL_EXPORTER_OTLP_ENDPOINT nothing of OpenTelemetry runs (a file of its own: the
// module marker is per test file, and tracing.test.ts loads the SDK).
let s: TestServer;
let r: RunnerProcess;
let target: http.Server;
let targetUrl: string;
const seen: (string | undefined)[] = [];
const dataDir = makeDataDir();

beforeAll(async () => {
  target = http.createServer((req, res) => {
    seen.push(req.headers.traceparent as string | undefined);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((res) => target.listen(0, '127.0.0.1', res));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
  s = await startServer({ dataDir });
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir, env: { WEFT_HTTP_ALLOW: '127.0.0.1', WEFT_LOG_LEVEL: 'info' } });
});
afterAll(async () => {
  await r?.kill('SIGTERM');
  await s?.close();
  await new Promise((res) => target?.close(res));
});

describe('traces not configured', () => {
  it('loads no OpenTelemetry module, stores no trace context and sends no traceparent', async () => {
    const wf = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'Untraced', steps: [{ id: 'fetch', type: 'http', method: 'GET', url: `${targetUrl}/ok` }] } },
    });
    const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
    const ex = await finishedExecution(s, run.body.executionId);
    expect(ex.status).toBe('succeeded');

    expect(s.app.tracing.enabled).toBe(false);
    expect(tracingSdkLoaded()).toBe(false);
    expect(s.app.db.prepare('SELECT traceparent, trace_parent_span_id FROM executions WHERE id = ?').get(ex.id)).toEqual({
      traceparent: null,
      trace_parent_span_id: null,
    });
    expect(seen).toEqual([undefined]);
    expect(r.output()).toContain('"traces":"off"');
  });
});
