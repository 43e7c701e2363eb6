import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { rawRequest } from './helpers/raw-http';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';
import { weftHeaders } from './helpers/webhook-signers';

// One file over 400 lines on purpose: every test here shares one server, its clock and the
// delivery helpers below; tests that need a server of their own are in triggers-webhooks-own-server.
const clock = { at: new Date('2026-06-01T12:00:00Z'), now: () => clock.at };
const nowSeconds = () => Math.floor(clock.at.getTime() / 1000);
const SECRET = 'a-webhook-secret-of-some-length';

let s: TestServer;
let workflowId: string;
let n = 0;
beforeAll(async () => {
  s = await startServer({ clock, config: { leaseMs: 600_000, engineTickMs: 50 } });
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Hooked') } })).body.id;
});
afterAll(() => s.close());

/** A new webhook trigger; `secret` is the one it was given, or the one the server generated. */
async function hook(webhook: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const key = `hook-${++n}`;
  const path = `in/${key}`;
  const res = await s.request('PUT', `/api/triggers/${key}`, { body: { workflowId, type: 'webhook', enabled: true, webhook: { path, ...webhook }, ...extra } });
  expect(res.status).toBe(200);
  return { key, path, secret: (webhook.secret as string | undefined) ?? (res.body.webhook.secret as string | undefined) };
}

type Delivery = { body?: string; headers?: Record<string, string>; query?: string };

/** POST /hooks/<path> without the token, like an outside sender. */
async function deliver(path: string, { body = '{"hello":"world"}', headers = {}, query = '' }: Delivery = {}) {
  const res = await fetch(`${s.url}/hooks/${path}${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Signed the weft way over the target exactly as it is sent. */
async function deliverSigned(
  path: string,
  secret: string,
  { body = '{"hello":"world"}', headers = {}, query = '', ts = nowSeconds() }: Delivery & { ts?: number } = {},
) {
  return deliver(path, { body, query, headers: { ...weftHeaders({ secret, target: `/hooks/${path}${query}`, body, ts }), ...headers } });
}

const page = async (key: string) => (await s.request('GET', `/api/triggers/${key}/deliveries`)).body as { deliveries: any[]; counts: any[] };
const deliveries = async (key: string) => (await page(key)).deliveries;
/** `reason: count` over every minute. */
const counted = async (key: string) => {
  const out: Record<string, number> = {};
  for (const c of (await page(key)).counts) out[c.reason] = (out[c.reason] ?? 0) + c.count;
  return out;
};
const scalar = (sql: string) => (s.app.db.prepare(sql).get() as { n: number }).n;
const executionCount = () => scalar('SELECT COUNT(*) AS n FROM executions');

describe('webhooks: the weft scheme', () => {
  it('a new trigger gets a generated secret, shown once in the answer that created it and never again', async () => {
    const key = `hook-${++n}`;
    const body = { workflowId, type: 'webhook', enabled: true, webhook: { path: `in/${key}` } };
    const created = await s.request('PUT', `/api/triggers/${key}`, { body });
    expect(created.body.webhook).toMatchObject({
      verify: 'weft',
      hasSecret: true,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      allowBrowser: false,
      respondWithOutput: false,
    });
    const secret = created.body.webhook.secret as string;
    const read = (await s.request('GET', `/api/triggers/${key}`)).body;
    expect(read.webhook).toEqual({
      path: `in/${key}`,
      url: `/hooks/in/${key}`,
      verify: 'weft',
      hasSecret: true,
      rateLimitPerMinute: 60,
      allowBrowser: false,
      respondWithOutput: false,
    });
    const listed = JSON.stringify((await s.request('GET', '/api/triggers')).body);
    const journaled = JSON.stringify((await s.request('GET', `/api/events?topic=trigger:${key}`)).body);
    for (const text of [JSON.stringify(read), listed, journaled]) expect(text).not.toContain(secret);

    // The same body again keeps the secret (nothing changed, nothing shown); the secret works.
    const again = await s.request('PUT', `/api/triggers/${key}`, { body });
    expect(again.body.webhook).not.toHaveProperty('secret');
    expect(again.body.updatedAt).toBe(created.body.updatedAt);
    expect((await deliverSigned(`in/${key}`, secret)).status).toBe(202);

    // regenerateSecret replaces it: the new one is shown once, the old one stops working.
    const rotated = await s.request('PUT', `/api/triggers/${key}`, { body: { ...body, webhook: { ...body.webhook, regenerateSecret: true } } });
    const fresh = rotated.body.webhook.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(secret);
    expect((await deliverSigned(`in/${key}`, secret, { body: '{"old":1}' })).status).toBe(401);
    expect((await deliverSigned(`in/${key}`, fresh, { body: '{"new":1}' })).status).toBe(202);

    // A secret of one's own is stored and not echoed.
    const own = await s.request('PUT', `/api/triggers/${key}`, { body: { ...body, webhook: { ...body.webhook, secret: SECRET } } });
    expect(own.body.webhook).not.toHaveProperty('secret');
    expect((await deliverSigned(`in/${key}`, SECRET, { body: '{"own":1}' })).status).toBe(202);
  });

  it('accepts X-Weft-Timestamp and X-Weft-Signature over "<timestamp>.<path and query>.<raw body>"', async () => {
    const { key, path } = await hook({ secret: SECRET });
    const res = await deliverSigned(path, SECRET, {
      query: '?ref=main',
      headers: { 'x-github-event': 'push', 'x-secret-thing': 'no', authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ executionId: expect.stringMatching(/^ex_/) });
    const ex = (await s.request('GET', `/api/executions/${res.body.executionId}`)).body;
    expect(ex.trigger).toEqual({
      type: 'webhook',
      key,
      body: { hello: 'world' },
      headers: { 'content-type': 'application/json', 'user-agent': expect.any(String), 'x-github-event': 'push' },
      query: { ref: 'main' },
      receivedAt: '2026-06-01T12:00:00.000Z',
    });
    expect((await deliveries(key))[0]).toMatchObject({ kind: 'webhook', status: 'started', executionId: res.body.executionId });
  });

  it('signs the request target exactly as sent, not a re-serialised one', async () => {
    const { path } = await hook({ secret: SECRET });
    const body = '{"raw":true}';
    // A query a parser would rewrite (bare key, %7E for "~", "+" for a space, repeated keys out of order).
    const target = `/hooks/${path}?z=1&flag&tilde=%7E&sp=a+b&z=0`;
    const send = (signedTarget: string) =>
      rawRequest(s.port, {
        method: 'POST',
        path: target,
        headers: { 'content-type': 'application/json', ...weftHeaders({ secret: SECRET, target: signedTarget, body, ts: nowSeconds() }) },
        body,
      });
    expect((await send(`/hooks/${path}?flag=&sp=a%20b&tilde=~&z=1&z=0`)).status).toBe(401);
    expect((await send(`/hooks/${path}`)).status).toBe(401);
    const ok = await send(target);
    expect(ok.status).toBe(202);
    const ex = (await s.request('GET', `/api/executions/${JSON.parse(ok.body).executionId}`)).body;
    expect(ex.trigger.query).toEqual({ z: ['1', '0'], flag: '', tilde: '~', sp: 'a b' });
  });

  it('refuses missing, wrong, body-only (the old scheme) and stale signatures with 401 naming what to send', async () => {
    const { key, path } = await hook({ secret: SECRET });
    const body = '{"n":1}';
    const before = executionCount();
    const rowsBefore = scalar('SELECT COUNT(*) AS n FROM trigger_deliveries');
    const now = nowSeconds();
    const cases: [string, Promise<{ status: number; body: any }>, string, RegExp][] = [
      ['missing', deliver(path, { body }), 'invalid_signature', /^X-Weft-Signature: header is required/],
      [
        'old body-only',
        deliver(path, { body, headers: { 'x-weft-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` } }),
        'invalid_signature',
        /^X-Weft-Timestamp: header is required/,
      ],
      ['another secret', deliverSigned(path, 'another-secret-entirely', { body }), 'invalid_signature', /does not match/],
      [
        'another body',
        deliver(path, { body: '{"n":2}', headers: weftHeaders({ secret: SECRET, target: `/hooks/${path}`, body, ts: now }) }),
        'invalid_signature',
        /does not match/,
      ],
      [
        'another path',
        deliver(path, { body, headers: weftHeaders({ secret: SECRET, target: '/hooks/in/elsewhere', body, ts: now }) }),
        'invalid_signature',
        /does not match/,
      ],
      [
        'another timestamp',
        deliver(path, { body, headers: { ...weftHeaders({ secret: SECRET, target: `/hooks/${path}`, body, ts: now }), 'x-weft-timestamp': String(now + 1) } }),
        'invalid_signature',
        /does not match/,
      ],
      [
        'uppercase prefix',
        deliver(path, { body, headers: { ...weftHeaders({ secret: SECRET, target: `/hooks/${path}`, body, ts: now }), 'x-weft-signature': 'SHA256=00' } }),
        'invalid_signature',
        /does not match/,
      ],
      [
        'not seconds',
        deliver(path, { body, headers: { ...weftHeaders({ secret: SECRET, target: `/hooks/${path}`, body, ts: now }), 'x-weft-timestamp': '2026-06-01' } }),
        'invalid_signature',
        /unix seconds/,
      ],
      ['301 s old', deliverSigned(path, SECRET, { body, ts: now - 301 }), 'stale_signature', /301 s old/],
      ['301 s ahead', deliverSigned(path, SECRET, { body, ts: now + 301 }), 'stale_signature', /301 s in the future/],
    ];
    for (const [name, pending, code, message] of cases) {
      const res = await pending;
      expect(res.status, name).toBe(401);
      expect(res.body.error.code, name).toBe(code);
      expect(res.body.error.message, name).toMatch(message);
    }
    expect(executionCount()).toBe(before);
    // Refusals are counted, not written one by one.
    expect(scalar('SELECT COUNT(*) AS n FROM trigger_deliveries')).toBe(rowsBefore);
    expect(await counted(key)).toEqual({ missing_signature: 1, missing_timestamp: 1, bad_signature: 6, stale_signature: 2 });
    // Exactly at the edge of the window is still fresh.
    expect((await deliverSigned(path, SECRET, { body, ts: now - 300 })).status).toBe(202);
    expect((await deliverSigned(path, SECRET, { body, ts: now + 300 })).status).toBe(202);
  });

  it('parses form bodies after checking the signature on their raw bytes', async () => {
    const { path } = await hook({ secret: SECRET });
    const body = 'a=1&b=two&a=3&c=%E2%9C%93';
    const res = await deliverSigned(path, SECRET, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(202);
    const ex = (await s.request('GET', `/api/executions/${res.body.executionId}`)).body;
    expect(ex.trigger.body).toEqual({ a: ['1', '3'], b: 'two', c: '✓' });
  });

  it('the same signature again is the same delivery: same executionId, nothing started, counted', async () => {
    const { key, path } = await hook({ secret: SECRET });
    const body = '{"once":true}';
    const headers = weftHeaders({ secret: SECRET, target: `/hooks/${path}`, body, ts: nowSeconds() });
    const first = await deliver(path, { body, headers });
    expect(first.status).toBe(202);
    const before = executionCount();
    const again = await deliver(path, { body, headers });
    expect(again).toMatchObject({ status: 202, body: { executionId: first.body.executionId, duplicate: true } });
    // A new X-Weft-Delivery does not make a replayed signature new.
    const relabelled = await deliver(path, { body, headers: { ...headers, 'x-weft-delivery': 'brand-new' } });
    expect(relabelled.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    const concurrent = await Promise.all([1, 2, 3].map(() => deliver(path, { body, headers })));
    expect(new Set(concurrent.map((r) => r.body.executionId))).toEqual(new Set([first.body.executionId]));
    expect(executionCount()).toBe(before);
    // A new timestamp is a new delivery (a sender's retry keeps its X-Weft-Delivery to stay one).
    clock.at = new Date(clock.at.getTime() + 1000);
    const later = await deliverSigned(path, SECRET, { body });
    expect(later.body.executionId).not.toBe(first.body.executionId);
    expect((await deliveries(key)).filter((d) => d.status === 'started')).toHaveLength(2);
    expect(await counted(key)).toEqual({ duplicate: 5 });
    expect((await page(key)).counts[0]).toMatchObject({ status: 'skipped', reason: 'duplicate', minute: '2026-06-01T12:00:00.000Z' });
  });

  it('X-Weft-Delivery keeps a sender’s re-signed retry one delivery', async () => {
    const { path } = await hook({ secret: SECRET });
    const first = await deliverSigned(path, SECRET, { headers: { 'x-weft-delivery': 'retry-1' } });
    clock.at = new Date(clock.at.getTime() + 2000);
    const retry = await deliverSigned(path, SECRET, { headers: { 'x-weft-delivery': 'retry-1' } });
    expect(retry.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    const tooLong = await deliverSigned(path, SECRET, { headers: { 'x-weft-delivery': 'x'.repeat(201) } });
    expect(tooLong.status).toBe(400);
  });
});

describe('webhooks: unsigned hooks ("none")', () => {
  it('X-Weft-Delivery makes a delivery idempotent: the same id returns the same execution and starts nothing', async () => {
    const { key, path } = await hook({ verify: 'none' });
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
    expect(await counted(key)).toEqual({ duplicate: 3 });
    expect((await s.request('GET', `/api/triggers/${key}`)).body.webhook).toMatchObject({ verify: 'none', hasSecret: false });
  });

  it('refuses a secret with verify "none"', async () => {
    const res = await s.request('PUT', '/api/triggers/none-secret', {
      body: { workflowId, type: 'webhook', webhook: { path: 'none/secret', verify: 'none', secret: SECRET } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^webhook\.secret: is not allowed with verify "none"/);
    const both = await s.request('PUT', '/api/triggers/none-secret', {
      body: { workflowId, type: 'webhook', webhook: { path: 'none/secret', secret: SECRET, regenerateSecret: true } },
    });
    expect(both.status).toBe(422);
    expect(
      (await s.request('PUT', '/api/triggers/none-secret', { body: { workflowId, type: 'webhook', webhook: { path: 'none/secret', verify: 'md5' } } })).status,
    ).toBe(422);
  });
});

describe('webhooks: limits, refusals and test mode', () => {
  it('rate limits per trigger with 429 and retry-after, before the signature is even looked at', async () => {
    const { key, path, secret } = await hook({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await deliverSigned(path, secret!, { body: `{"i":${i}}` })).status).toBe(202);
    const limited = await deliverSigned(path, secret!, { body: '{"i":3}' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(limited.body.error.code).toBe('rate_limited');
    // Unsigned: still a 429, not a 401; the bucket comes first.
    expect((await deliver(path)).status).toBe(429);
    expect(await counted(key)).toEqual({ rate_limited: 2 });
    expect((await deliveries(key)).every((d) => d.status === 'started')).toBe(true);
    const { path: otherPath } = await hook({ rateLimitPerMinute: 3, verify: 'none' });
    expect((await deliver(otherPath)).status).toBe(202); // buckets are per trigger
    clock.at = new Date(clock.at.getTime() + 20_000);
    expect((await deliverSigned(path, secret!, { body: '{"i":4}' })).status).toBe(202);
  });

  it('test mode validates and records the delivery, shows the payload and runs nothing', async () => {
    const { key, path } = await hook({ secret: SECRET });
    const body = '{"dry":true}';
    const before = executionCount();
    const res = await deliverSigned(path, SECRET, { body, query: '?test=1&x=y' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      test: true,
      deliveryId: expect.stringMatching(/^dl_/),
      payload: {
        type: 'webhook',
        key,
        body: { dry: true },
        headers: expect.objectContaining({ 'content-type': 'application/json' }),
        query: { x: 'y' },
        receivedAt: expect.any(String),
      },
    });
    expect((await deliver(path, { body, query: '?test=1' })).status).toBe(401);
    expect(executionCount()).toBe(before);
    expect((await deliveries(key)).map((d) => `${d.status} ${d.reason}`)).toEqual(['skipped test']);
    expect(await counted(key)).toEqual({ missing_signature: 1 });
  });

  it('test mode comes after the replay check: a delivery that ran is not re-sent as a test, and the same test again is a replay', async () => {
    const { key, path } = await hook({ secret: SECRET, rateLimitPerMinute: 1000 });
    const ran = await deliverSigned(path, SECRET, { body: '{"real":1}', headers: { 'x-weft-delivery': 'd-1' } });
    expect(ran.status).toBe(202);
    // The sender's delivery id of a run, on a (freshly signed) test call: that delivery, not a test.
    const asTest = await deliverSigned(path, SECRET, { body: '{"real":1}', query: '?test=1', headers: { 'x-weft-delivery': 'd-1' } });
    expect(asTest.status).toBe(202);
    expect(asTest.body).toEqual({ executionId: ran.body.executionId, duplicate: true });

    const ts = nowSeconds();
    const first = await deliverSigned(path, SECRET, { body: '{"t":1}', query: '?test=1', ts });
    expect(first.status).toBe(200);
    const again = await deliverSigned(path, SECRET, { body: '{"t":1}', query: '?test=1', ts });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ test: true, deliveryId: first.body.deliveryId });
    expect((await deliveries(key)).map((d) => `${d.status} ${d.reason ?? ''}`.trim())).toEqual(['skipped test', 'started']);
    expect(await counted(key)).toEqual({ duplicate: 2 });
  });

  it('keeps only a bounded amount of test payloads: the newest 20 per trigger, each at most 64 KiB', async () => {
    const { key, path } = await hook({ secret: SECRET, rateLimitPerMinute: 1000 });
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const res = await deliverSigned(path, SECRET, { body: `{"i":${i}}`, query: '?test=1' });
      expect(res.status).toBe(200);
      ids.push(res.body.deliveryId);
    }
    const payloadOf = (id: string) => s.request('GET', `/api/triggers/${key}/deliveries/${id}/payload`);
    for (const id of ids.slice(0, 3)) {
      const gone = await payloadOf(id);
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('payload_not_kept');
    }
    expect((await payloadOf(ids[3]!)).body).toMatchObject({ source: 'test', payload: { body: { i: 3 } } });
    expect((await payloadOf(ids[22]!)).body).toMatchObject({ source: 'test', payload: { body: { i: 22 } } });
    const kept = s.app.db.prepare('SELECT COUNT(*) AS n FROM trigger_deliveries WHERE trigger_key = ? AND test_payload IS NOT NULL').get(key) as { n: number };
    expect(kept.n).toBe(20);

    // A big test body is answered in full, but not stored.
    const big = JSON.stringify({ blob: 'x'.repeat(70 * 1024) });
    const res = await deliverSigned(path, SECRET, { body: big, query: '?test=1' });
    expect(res.status).toBe(200);
    expect((res.body.payload.body as { blob: string }).blob).toHaveLength(70 * 1024);
    expect((await payloadOf(res.body.deliveryId)).body.error.code).toBe('payload_not_kept');
    const stored = s.app.db.prepare('SELECT MAX(LENGTH(test_payload)) AS n FROM trigger_deliveries WHERE trigger_key = ?').get(key) as { n: number };
    expect(stored.n).toBeLessThan(64 * 1024);
  });

  it('answers 404 for an unknown path, 409 for a disabled trigger, 400 for bad JSON or a bad wait', async () => {
    expect((await deliver('no/such/hook')).status).toBe(404);
    const dotted = await rawRequest(s.port, { method: 'POST', path: '/hooks/in/../in/x', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(dotted.status).toBe(404);
    const { key, path, secret } = await hook({}, { enabled: false });
    const disabled = await deliverSigned(path, secret!);
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.code).toBe('trigger_disabled');
    // A disabled hook still checks the signature first: an unsigned call learns nothing more.
    expect((await deliver(path)).status).toBe(401);
    expect(await counted(key)).toEqual({ disabled: 1, missing_signature: 1 });
    expect(await deliveries(key)).toEqual([]);
    const { key: k2, path: p2, secret: s2 } = await hook();
    const bad = await deliverSigned(p2, s2!, { body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await counted(k2)).toEqual({ bad_body: 1 });
    const wait = await deliverSigned(p2, s2!, { query: '?wait=301' });
    expect(wait.status).toBe(400);
    expect(wait.body.error.message).toMatch(/^query wait:/);
    expect((await deliver(p2, { body: 'plain', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await deliverSigned(p2, s2!, { body: '' })).status).toBe(202);
  });

  it('refuses browsers’ cross-site calls with 403 before reading the body, unless the trigger allows browsers', async () => {
    const { key, path, secret } = await hook();
    const post = (headers: Record<string, string>, body = '{nope') =>
      rawRequest(s.port, { method: 'POST', path: `/hooks/${path}`, headers: { 'content-type': 'application/json', ...headers }, body });
    // Unsigned and unparseable too: the 403 comes before the signature and the body are looked at.
    const browsers: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `http://127.0.0.1:${s.port + 1}` },
      { origin: 'file://x' },
    ];
    for (const headers of browsers) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('forbidden_origin');
    }
    expect(await counted(key)).toEqual({ cross_site: 5 });
    // The server's own origin, and senders with no browser headers at all, go on to the signature.
    expect((await post({ origin: `http://127.0.0.1:${s.port}`, 'sec-fetch-site': 'same-origin' })).status).toBe(401);
    const body = '{"from":"page"}';
    expect(
      (await post({ 'sec-fetch-site': 'same-site', ...weftHeaders({ secret: secret!, target: `/hooks/${path}`, body, ts: nowSeconds() }) }, body)).status,
    ).toBe(202);
    // The auth plugin's Host check still applies to hooks.
    expect((await post({ host: 'evil.example' })).status).toBe(403);

    const browser = await hook({ verify: 'none', allowBrowser: true });
    expect((await s.request('GET', `/api/triggers/${browser.key}`)).body.webhook.allowBrowser).toBe(true);
    const allowed = await rawRequest(s.port, {
      method: 'POST',
      path: `/hooks/${browser.path}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://forms.example', 'sec-fetch-site': 'cross-site' },
      body: 'a=1',
    });
    expect(allowed.status).toBe(202);
  });

  it('refuses a body over the server body limit with 413', async () => {
    const { path } = await hook({ verify: 'none' });
    const big = JSON.stringify({ blob: 'x'.repeat(s.app.config.bodyLimit) });
    expect((await deliver(path, { body: big })).status).toBe(413);
  });

  it('a flood of 2,000 refused calls grows neither the deliveries, the counters nor the journal by a row per request', { timeout: 120_000 }, async () => {
    const signed = await hook({ rateLimitPerMinute: 1_000_000 });
    const off = await hook({ rateLimitPerMinute: 1_000_000 }, { enabled: false });
    const tight = await hook({ rateLimitPerMinute: 1, verify: 'none' });
    const rows = () => ({
      deliveries: scalar('SELECT COUNT(*) AS n FROM trigger_deliveries'),
      counters: scalar('SELECT COUNT(*) AS n FROM trigger_delivery_counts'),
      events: scalar('SELECT COUNT(*) AS n FROM events'),
      executions: executionCount(),
    });
    const before = rows();
    const body = '{"flood":true}';
    const valid = weftHeaders({ secret: signed.secret!, target: `/hooks/${signed.path}`, body, ts: nowSeconds() });
    expect((await deliver(signed.path, { body, headers: valid })).status).toBe(202);
    const kinds: (() => Promise<{ status: number }>)[] = [
      () => deliver(signed.path, { body }), // missing signature
      () => deliverSigned(signed.path, 'not-the-secret', { body }), // bad signature
      () => deliverSigned(signed.path, signed.secret!, { body, ts: nowSeconds() - 3600 }), // stale
      () => deliver(signed.path, { body, headers: valid }), // a replay
      () => deliverSigned(off.path, off.secret!, { body }), // disabled
      () => deliver(tight.path, { body: '{' }), // rate limited (its one token is spent below)
      () =>
        rawRequest(s.port, {
          method: 'POST',
          path: `/hooks/${signed.path}`,
          headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
          body,
        }), // cross-site
      () => deliverSigned(signed.path, signed.secret!, { body: '{"broken"' }), // bad body, validly signed
    ];
    expect((await deliver(tight.path)).status).toBe(202);
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 2000) {
          const i = next++;
          const { status } = await kinds[i % kinds.length]!();
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 202: 250, 400: 250, 401: 750, 403: 250, 409: 250, 429: 250 });
    const after = rows();
    // Two started deliveries (the valid call, the first call to `tight`); the rest are counters.
    expect(after.deliveries - before.deliveries).toBe(2);
    expect(after.executions - before.executions).toBe(2);
    expect(after.counters - before.counters).toBeLessThanOrEqual(8);
    expect(after.events - before.events).toBeLessThanOrEqual(30);
    expect(await counted(signed.key)).toEqual({
      missing_signature: 250,
      bad_signature: 250,
      stale_signature: 250,
      duplicate: 250,
      cross_site: 250,
      bad_body: 250,
    });
    expect(await counted(off.key)).toEqual({ disabled: 250 });
    expect(await counted(tight.key)).toEqual({ rate_limited: 250 });
  });

  it('keeps counters per minute, newest first, and drops them with their trigger', async () => {
    const { key, path } = await hook();
    await deliver(path);
    clock.at = new Date(clock.at.getTime() + 60_000);
    await deliver(path);
    await deliver(path);
    const counts = (await page(key)).counts;
    expect(counts).toHaveLength(2);
    expect(counts.map((c) => c.count)).toEqual([2, 1]);
    expect(Date.parse(counts[0].minute) - Date.parse(counts[1].minute)).toBe(60_000);
    const events = (await s.request('GET', `/api/events?topic=trigger:${key}`)).body.events as any[];
    expect(events.filter((e) => e.type === 'delivery.counted').map((e) => e.data)).toEqual([
      { triggerKey: key, minute: counts[1].minute, status: 'rejected', reason: 'missing_signature', count: 1 },
      { triggerKey: key, minute: counts[0].minute, status: 'rejected', reason: 'missing_signature', count: 1 },
    ]);
    const id = s.app.triggers.repo.byKey(key)!.id;
    const countersOf = () => (s.app.db.prepare('SELECT COUNT(*) AS n FROM trigger_delivery_counts WHERE trigger_id = ?').get(id) as { n: number }).n;
    expect(countersOf()).toBe(2);
    await s.request('DELETE', `/api/triggers/${key}`);
    expect(countersOf()).toBe(0);
  });
});

describe('webhooks ?wait=', () => {
  it('answers 200 with executionId and status, and the output only when the trigger sets respondWithOutput', async () => {
    // Earlier tests left runs queued: enough capacity that these are granted too.
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 500 });
    try {
      for (const respondWithOutput of [false, true]) {
        const { path, secret } = await hook({ respondWithOutput });
        const body = `{"respond":${respondWithOutput}}`;
        const headers = weftHeaders({ secret: secret!, target: `/hooks/${path}?wait=20`, body, ts: nowSeconds() });
        const pending = deliver(path, { body, query: '?wait=20', headers });
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
        const expected = { executionId: grant.executionId, status: 'succeeded', ...(respondWithOutput ? { output: { stdout: 'hello\n' } } : {}) };
        expect(res.body).toEqual(expected);
        // A replay with ?wait answers from the row, without waiting its 20 s (the signature covers the
        // query, so the replay asks for the same wait).
        const t0 = Date.now();
        const replay = await deliver(path, { body, query: '?wait=20', headers });
        expect(replay.body).toEqual({ ...expected, duplicate: true });
        expect(Date.now() - t0).toBeLessThan(20_000);
      }
    } finally {
      runner.close();
    }
  });

  it('journals a hook run granted in the commit that created it as running from its first event', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 500 });
    try {
      const { path } = await hook({ verify: 'none' });
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
    const { journal, triggers } = s.app;
    const t = triggers.repo.byKey(key)!;
    const before = (await s.request('GET', '/api/events?topic=triggers&limit=1000')).body.lastSeq as number;
    // Three fires in one tick share one commit, as concurrent hook calls do.
    const fired = [1, 2, 3].map((i) =>
      journal.batched(() =>
        triggers.firing.fire({
          trigger: t,
          kind: 'webhook',
          receivedAt: clock.now(),
          payload: { type: 'webhook', key, body: { i } },
          startedBy: { kind: 'webhook', id: key },
        }),
      ),
    );
    await journal.durable();
    const ids = fired.map((f) => (f.outcome === 'started' ? f.delivery.id : null));
    const own = (await s.request('GET', `/api/events?topic=trigger:${key}`)).body.events as any[];
    expect(own.filter((e) => e.type === 'delivery.recorded').map((e) => e.data.id)).toEqual(ids);
    const list = (await s.request('GET', `/api/events?topic=triggers&after=${before}`)).body.events as any[];
    expect(list.map((e) => [e.type, e.data.id])).toEqual([['delivery.recorded', ids[2]]]);
  });

  it('answers 202 with the executionId and the status then when the time runs out', async () => {
    const { path } = await hook({ verify: 'none', respondWithOutput: true });
    const started = Date.now();
    const res = await deliver(path, { query: '?wait=1' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ executionId: expect.stringMatching(/^ex_/), status: expect.stringMatching(/^(queued|running)$/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const ex = (await s.request('GET', `/api/executions/${res.body.executionId}`)).body;
    expect(ex.status).toBe(res.body.status);
  });

  it('a duplicate delivery with ?wait waits on the original execution', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 500 });
    try {
      const { path } = await hook({ verify: 'none', respondWithOutput: true });
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
