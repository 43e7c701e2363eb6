import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableStepError, RetryAfterError, StepFailedError } from '../../src/engine/errors';
import { RESPONSE_BODY_CAP_BYTES, parseRetryAfter } from '../../src/steps/http-client';
import { testHttpStep } from '../helpers/step-handlers';
import { sendJson, startHttpServer } from '../helpers/http-server';
import { stepContext } from '../helpers/step-context';

let server: Awaited<ReturnType<typeof startHttpServer>>;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const path = req.url.split('?')[0];
    switch (path) {
      case '/json':
        return sendJson(res, 200, {
          hello: 'world',
          method: req.method,
          body: req.body,
          type: req.headers['content-type'] ?? null,
          auth: req.headers.authorization ?? null,
        });
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-extra': 'yes' });
        return res.end('plain text');
      case '/big':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('['.padEnd(RESPONSE_BODY_CAP_BYTES + 100, ' '));
      case '/broken':
        return sendJson(res, 500, { error: 'kaput' });
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('not here');
      case '/limited':
        res.writeHead(429, { 'retry-after': '3' });
        return res.end();
      case '/slow':
        // Never answers; the step's signal has to end it.
        return;
      default:
        res.writeHead(500);
        return res.end('unexpected');
    }
  });
});
afterAll(() => server.close());

const http = (extra: Record<string, unknown>) => ({ id: 'call', type: 'http' as const, method: 'GET' as const, url: `${server.url}/json`, ...extra });

const httpStep = testHttpStep();

describe('http step', () => {
  it('GETs and parses a JSON response', async () => {
    const output = await httpStep.run(stepContext(), http({}));
    expect(output).toMatchObject({ status: 200, body: { hello: 'world', method: 'GET', body: '' }, truncated: false });
    expect((output as { headers: Record<string, string> }).headers['content-type']).toBe('application/json');
  });

  it('renders url and headers, and sends a non-string body as JSON with raw single-expression values', async () => {
    const ctx = stepContext({ scope: { inputs: { token: 't0k', payload: { n: 1, list: [true] }, path: 'json' }, steps: {}, trigger: null } });
    const output = await httpStep.run(
      ctx,
      http({
        method: 'POST',
        url: `${server.url}/{{ inputs.path }}?q=1`,
        headers: { Authorization: 'Bearer {{ inputs.token }}' },
        body: { raw: '{{ inputs.payload }}', text: 'n={{ inputs.payload.n }}', keep: 5 },
      }),
    );
    const body = (output as { body: { body: string; type: string; auth: string } }).body;
    expect(JSON.parse(body.body)).toEqual({ raw: { n: 1, list: [true] }, text: 'n=1', keep: 5 });
    expect(body.type).toBe('application/json');
    expect(body.auth).toBe('Bearer t0k');
  });

  it('sends a rendered string body as text, and a single expression body as JSON', async () => {
    const ctx = stepContext({ scope: { inputs: { who: 'ada', obj: { a: 1 } }, steps: {}, trigger: null } });
    const text = (await httpStep.run(ctx, http({ method: 'PUT', body: 'hello {{ inputs.who }}' }))) as { body: { body: string; type: string } };
    expect(text.body).toMatchObject({ body: 'hello ada', type: 'text/plain; charset=utf-8' });
    const json = (await httpStep.run(ctx, http({ method: 'PATCH', body: '{{ inputs.obj }}' }))) as { body: { body: string; type: string } };
    expect(json.body).toMatchObject({ body: '{"a":1}', type: 'application/json' });
  });

  it('returns text for non-JSON responses with all headers', async () => {
    const output = await httpStep.run(stepContext(), http({ url: `${server.url}/text` }));
    expect(output).toMatchObject({ status: 200, body: 'plain text', headers: { 'x-extra': 'yes' } });
  });

  it('caps the response body at 1 MiB and flags it', async () => {
    const output = (await httpStep.run(stepContext(), http({ url: `${server.url}/big` }))) as { body: string; truncated: boolean };
    expect(output.truncated).toBe(true);
    expect(output.body.length).toBe(RESPONSE_BODY_CAP_BYTES);
  });

  it('fails on 4xx and 5xx with the status and a body excerpt', async () => {
    await expect(httpStep.run(stepContext(), http({ url: `${server.url}/broken` }))).rejects.toThrow(
      /answered HTTP 500 Internal Server Error: \{"error":"kaput"\}/,
    );
    const missing = httpStep.run(stepContext(), http({ url: `${server.url}/missing` }));
    await expect(missing).rejects.toBeInstanceOf(StepFailedError);
    await expect(missing).rejects.toMatchObject({ code: 'http_status' });
  });

  it('turns 429 with Retry-After into a RetryAfterError', async () => {
    const failure = httpStep.run(stepContext(), http({ url: `${server.url}/limited` }));
    await expect(failure).rejects.toBeInstanceOf(RetryAfterError);
    await expect(failure).rejects.toMatchObject({ retryAfterMs: 3000 });
  });

  it('aborts the request when the signal aborts (timeout or cancel)', async () => {
    const ctx = stepContext();
    const pending = httpStep.run(ctx, http({ url: `${server.url}/slow` }));
    ctx.controller.abort(new Error('step timed out'));
    await expect(pending).rejects.toThrow('step timed out');
  });

  it('refuses a rendered URL that is not http(s) and a GET body', async () => {
    const ctx = stepContext({ scope: { inputs: { u: 'file:///etc/passwd' }, steps: {}, trigger: null } });
    await expect(httpStep.run(ctx, http({ url: '{{ inputs.u }}' }))).rejects.toBeInstanceOf(NonRetriableStepError);
    await expect(httpStep.run(stepContext(), http({ body: { a: 1 } }))).rejects.toBeInstanceOf(NonRetriableStepError);
  });

  it('reports a connection failure as a retriable step failure', async () => {
    const failure = httpStep.run(stepContext(), http({ url: 'http://127.0.0.1:1/nothing' }));
    await expect(failure).rejects.toBeInstanceOf(StepFailedError);
    await expect(failure).rejects.toMatchObject({ code: 'http_network_error' });
  });

  it('parses Retry-After seconds and dates, capped at an hour', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(parseRetryAfter('999999')).toBe(3_600_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
