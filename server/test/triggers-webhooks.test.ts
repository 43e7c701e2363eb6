import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { rawRequest } from './helpers/raw-http';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

const clock = { at: new Date('2026-06-01T12:00:00Z'), now: () => clock.at };
const SECRET = 'a-webhook-secret-of-some-length';
const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

let s: TestServer;
let workflowId: string;
let n = 0;
beforeAll(async () => {
  s = await startServer({ clock, config: { leaseMs: 600_000, engineTickMs: 50 } });
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Hooked') } })).body.id;
});
afterAll(() => s.close());

async function hook(webhook: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const key = `hook-${++n}`;
  const path = `in/${key}`;
  const res = await s.request('PUT', `/api/triggers/${key}`, { body: { workflowId, type: 'webhook', enabled: true, webhook: { path, ...webhook }, ...extra } });
  expect(res.status).toBe(200);
  return { key, path };
}

/** POST /hooks/<path> without the token, like an outside sender. */
async function deliver(path: string, { body = '{"hello":"world"}', headers = {}, query = '' }: { body?: string; headers?: Record<string, string>; query?: string } = {}) {
  const res = await fetch(`${s.url}/hooks/${path}${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const deliveries = async (key: string) => (await s.request('GET', `/api/triggers/${key}/deliveries`)).body.deliveries as any[];
const executionCount = () => (s.app.db.prepare('SELECT COUNT(*) AS n FROM executions').get() as { n: number }).n;

describe('webhooks', () => {
  it('starts the workflow with body, allowlisted headers, query and receivedAt; no token needed', async () => {
    const { key, path } = await hook();
    const res = await deliver(path, { query: '?ref=main', headers: { 'x-github-event': 'push', 'x-secret-thing': 'no', authorization: 'Bearer nope' } });
    expect(res.status).toBe(202);
    const ex = (await s.request('GET', `/api/executions/${res.body.executionId}`)).body;
    expect(ex.trigger).toEqual({
      type: 'webhook',
      key,
      body: { hello: 'world' },
      headers: { 'content-type': 'application/json', 'user-agent': expect.any(String), 'x-github-event': 'push' },
      query: { ref: 'main' },
      receivedAt: '2026-06-01T12:00:00.000Z',
    });
    expect((await deliveries(key))[0]).toMatchObject({ kind: 'webhook', status: 'started', executionId: res.body.executionId, receivedAt: '2026-06-01T12:00:00.000Z' });
  });

  it('parses form bodies', async () => {
    const { path } = await hook({ secret: SECRET });
    const body = 'a=1&b=two&a=3';
    const res = await deliver(path, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-weft-signature': sign(body) } });
    expect(res.status).toBe(202);
    const ex = (await s.request('GET', `/api/executions/${res.body.executionId}`)).body;
    expect(ex.trigger.body).toEqual({ a: ['1', '3'], b: 'two' });
  });

  it('checks X-Weft-Signature: good 202, bad or missing 401, each rejection recorded', async () => {
    const { key, path } = await hook({ secret: SECRET });
    const body = '{"n":1}';
    expect((await deliver(path, { body, headers: { 'x-weft-signature': sign(body) } })).status).toBe(202);
    const before = executionCount();
    const bad = await deliver(path, { body, headers: { 'x-weft-signature': sign(body, 'another-secret-entirely') } });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toMatchObject({ code: 'invalid_signature', message: expect.stringContaining('X-Weft-Signature') });
    expect((await deliver(path, { body: '{"n":2}', headers: { 'x-weft-signature': sign(body) } })).status).toBe(401); // signed a different body
    expect((await deliver(path, { body, headers: { 'x-weft-signature': 'sha256=abc' } })).status).toBe(401);
    expect((await deliver(path, { body, headers: { 'x-weft-signature': sign(body).toUpperCase() } })).status).toBe(401);
    const missing = await deliver(path, { body });
    expect(missing.status).toBe(401);
    expect(executionCount()).toBe(before);
    const ds = await deliveries(key);
    expect(ds.map((d) => `${d.status} ${d.reason ?? ''}`.trim())).toEqual([
      'rejected missing_signature',
      'rejected bad_signature',
      'rejected bad_signature',
      'rejected bad_signature',
      'rejected bad_signature',
      'started',
    ]);
    // The secret never leaves the server.
    const t = (await s.request('GET', `/api/triggers/${key}`)).body;
    expect(t.webhook).toEqual({ path, url: `/hooks/${path}`, hasSecret: true, rateLimitPerMinute: 60 });
    expect(JSON.stringify(t)).not.toContain(SECRET);
  });

  it('X-Weft-Delivery makes a delivery idempotent: the same id returns the same execution and starts nothing', async () => {
    const { key, path } = await hook();
    const first = await deliver(path, { headers: { 'x-weft-delivery': 'gh-123' } });
    expect(first.status).toBe(202);
    const before = executionCount();
    const again = await deliver(path, { headers: { 'x-weft-delivery': 'gh-123' } });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    const concurrent = await Promise.all([1, 2, 3].map(() => deliver(path, { headers: { 'x-weft-delivery': 'gh-456' } })));
    expect(new Set(concurrent.map((r) => r.body.executionId)).size).toBe(1);
    expect(executionCount()).toBe(before + 1);
    const other = await deliver(path, { headers: { 'x-weft-delivery': 'gh-124' } });
    expect(other.body.executionId).not.toBe(first.body.executionId);
    const ds = await deliveries(key);
    expect(ds.filter((d) => d.reason === 'duplicate')).toHaveLength(3);
  });

  it('rate limits per trigger with 429 and retry-after, recorded as rejected', async () => {
    const { key, path } = await hook({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await deliver(path)).status).toBe(202);
    const limited = await deliver(path);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(limited.body.error.code).toBe('rate_limited');
    expect((await deliveries(key))[0]).toMatchObject({ status: 'rejected', reason: 'rate_limited' });
    const { path: otherPath } = await hook({ rateLimitPerMinute: 3 });
    expect((await deliver(otherPath)).status).toBe(202); // buckets are per trigger
    clock.at = new Date(clock.at.getTime() + 20_000);
    expect((await deliver(path)).status).toBe(202);
  });

  it('test mode validates and records the delivery, shows the payload and runs nothing', async () => {
    const { key, path } = await hook({ secret: SECRET });
    const body = '{"dry":true}';
    const before = executionCount();
    const res = await deliver(path, { body, query: '?test=1&x=y', headers: { 'x-weft-signature': sign(body) } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      test: true,
      deliveryId: expect.stringMatching(/^dl_/),
      payload: { type: 'webhook', key, body: { dry: true }, headers: expect.objectContaining({ 'content-type': 'application/json' }), query: { x: 'y' }, receivedAt: expect.any(String) },
    });
    expect((await deliver(path, { body, query: '?test=1' })).status).toBe(401);
    expect(executionCount()).toBe(before);
    expect((await deliveries(key)).map((d) => `${d.status} ${d.reason}`)).toEqual(['rejected missing_signature', 'skipped test']);
  });

  it('answers 404 for an unknown path, 409 for a disabled trigger, 400 for bad JSON or a bad wait', async () => {
    expect((await deliver('no/such/hook')).status).toBe(404);
    const dotted = await rawRequest(s.port, { method: 'POST', path: '/hooks/in/../in/x', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(dotted.status).toBe(404);
    const { key, path } = await hook({}, { enabled: false });
    const disabled = await deliver(path);
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.code).toBe('trigger_disabled');
    expect((await deliveries(key))[0]).toMatchObject({ status: 'rejected', reason: 'disabled' });
    const { path: p2 } = await hook();
    expect((await deliver(p2, { body: '{nope' })).status).toBe(400);
    const wait = await deliver(p2, { query: '?wait=301' });
    expect(wait.status).toBe(400);
    expect(wait.body.error.message).toMatch(/^query wait:/);
    expect((await deliver(p2, { body: 'plain', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await deliver(p2, { body: '' })).status).toBe(202);
  });

  it('applies the Host check to /hooks/ but not the token or Origin checks', async () => {
    const { path } = await hook();
    const evil = await rawRequest(s.port, { method: 'POST', path: `/hooks/${path}`, headers: { host: 'evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(evil.status).toBe(403);
    const cross = await rawRequest(s.port, { method: 'POST', path: `/hooks/${path}`, headers: { origin: 'https://github.com', 'content-type': 'application/json' }, body: '{}' });
    expect(cross.status).toBe(202);
  });

  it('refuses a body over the server body limit with 413', async () => {
    const { path } = await hook();
    const big = JSON.stringify({ blob: 'x'.repeat(s.app.config.bodyLimit) });
    expect((await deliver(path, { body: big })).status).toBe(413);
  });
});

describe('webhooks ?wait=', () => {
  it('answers 200 with status and output when the execution finishes in time', async () => {
    // Earlier tests left runs queued: enough capacity that this one is granted too.
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 200 });
    try {
      const { path } = await hook();
      const pending = deliver(path, { query: '?wait=20', headers: { 'x-weft-delivery': 'w-1' } });
      // Not answered before the run ends: grab the lease and finish it.
      await waitUntil(() => runner.grants.some((g) => (g as any).trigger?.type === 'webhook' && (g as any).trigger.key === `hook-${n}`));
      const grant = runner.grants.find((g) => (g as any).trigger?.key === `hook-${n}`)!;
      await runner.events(grant, [
        { seq: 1, type: 'step.started', stepId: 'say', iterationPath: '', attempt: 1 },
        { seq: 2, type: 'step.succeeded', stepId: 'say', iterationPath: '', attempt: 1, output: { stdout: 'hello\n' } },
        { seq: 3, type: 'execution.finished', status: 'succeeded', output: { stdout: 'hello\n' } },
      ]);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ executionId: grant.executionId, status: 'succeeded', output: { stdout: 'hello\n' } });
      // A replay of the finished delivery with ?wait answers at once, from the row.
      const t0 = Date.now();
      const replay = await deliver(path, { query: '?wait=5', headers: { 'x-weft-delivery': 'w-1' } });
      expect(replay.body).toEqual({ executionId: grant.executionId, status: 'succeeded', output: { stdout: 'hello\n' }, duplicate: true });
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      runner.close();
    }
  });

  it('journals a hook run granted in the commit that created it as running from its first event', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 200 });
    try {
      const { path } = await hook();
      const res = await deliver(path);
      expect(res.status).toBe(202);
      await waitUntil(() => runner.grants.some((g) => g.executionId === res.body.executionId));
      const events = (await s.request('GET', `/api/events?topic=execution:${res.body.executionId}`)).body.events as any[];
      expect(events[0]).toMatchObject({ seq: 1, type: 'execution.updated', data: { id: res.body.executionId, status: 'running' } });
      const list = (await s.request('GET', '/api/events?topic=executions&limit=1000')).body.events as any[];
      expect(list.filter((e) => e.data.id === res.body.executionId).map((e) => e.data.status)).toEqual(['running']);
    } finally {
      runner.close();
    }
  });

  it('keeps every delivery on trigger:<key> and, of those committed together, the latest on triggers', async () => {
    const { key } = await hook();
    const { journal, triggers } = s.app.services;
    const t = triggers.repo.byKey(key)!;
    const before = (await s.request('GET', '/api/events?topic=triggers&limit=1000')).body.lastSeq as number;
    // Three fires in one tick share one commit, as concurrent hook calls do.
    const fired = [1, 2, 3].map((i) =>
      journal.batched(() => triggers.firing.fire({ trigger: t, kind: 'webhook', receivedAt: clock.now(), payload: { type: 'webhook', key, body: { i } } })),
    );
    await journal.durable();
    const ids = fired.map((f) => (f.outcome === 'started' ? f.delivery.id : null));
    const own = (await s.request('GET', `/api/events?topic=trigger:${key}`)).body.events as any[];
    expect(own.filter((e) => e.type === 'delivery.recorded').map((e) => e.data.id)).toEqual(ids);
    const list = (await s.request('GET', `/api/events?topic=triggers&after=${before}`)).body.events as any[];
    expect(list.map((e) => [e.type, e.data.id])).toEqual([['delivery.recorded', ids[2]]]);
  });

  it('answers 202 with the executionId when the time runs out', async () => {
    const { path } = await hook();
    const started = Date.now();
    const res = await deliver(path, { query: '?wait=1' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ executionId: expect.stringMatching(/^ex_/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const ex = (await s.request('GET', `/api/executions/${res.body.executionId}`)).body;
    expect(['queued', 'running']).toContain(ex.status);
  });

  it('a duplicate delivery with ?wait waits on the original execution', async () => {
    // Earlier tests left runs queued: enough capacity that this one is granted too.
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 200 });
    try {
      const { path } = await hook();
      const first = await deliver(path, { headers: { 'x-weft-delivery': 'once' } });
      const pending = deliver(path, { query: '?wait=20', headers: { 'x-weft-delivery': 'once' } });
      await waitUntil(() => runner.grants.some((g) => g.executionId === first.body.executionId));
      const grant = runner.grants.find((g) => g.executionId === first.body.executionId)!;
      await runner.events(grant, [{ seq: 1, type: 'execution.finished', status: 'failed', error: { name: 'Boom', message: 'no' } }]);
      expect((await pending).body).toEqual({ executionId: first.body.executionId, status: 'failed', output: null, duplicate: true });
    } finally {
      runner.close();
    }
  });
});

describe('webhooks ?wait= at shutdown', () => {
  it('a pending wait is answered 202 when the server closes, so shutdown does not hang', async () => {
    const own = await startServer();
    const wf = (await own.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Closing') } })).body.id;
    await own.request('PUT', '/api/triggers/closing', { body: { workflowId: wf, type: 'webhook', enabled: true, webhook: { path: 'closing' } } });
    const pending = fetch(`${own.url}/hooks/closing?wait=300`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await waitUntil(() => (own.app.db.prepare('SELECT COUNT(*) AS n FROM executions').get() as { n: number }).n === 1);
    const t0 = Date.now();
    await own.close();
    const res = await pending;
    expect(res.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
