import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

/** Request parsing of /hooks/ and /api/triggers under random input: always a deliberate 2xx/4xx, never a 500. */
let s: TestServer;
let workflowId: string;
const SECRET = 'fuzzing-secret-0123456789';
beforeAll(async () => {
  s = await startServer();
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Fuzz') } })).body.id;
  const put = (key: string, webhook: Record<string, unknown>, enabled = true) =>
    s.request('PUT', `/api/triggers/${key}`, { body: { workflowId, type: 'webhook', enabled, webhook } });
  await put('signed', { path: 'fz/signed', secret: SECRET, rateLimitPerMinute: 1_000_000 });
  await put('open', { path: 'fz/open', rateLimitPerMinute: 1_000_000 });
  await put('off', { path: 'fz/off' }, false);
  await put('tight', { path: 'fz/tight', rateLimitPerMinute: 1 });
});
afterAll(() => s.close());

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
const HOOK_STATUSES = [200, 202, 400, 401, 404, 409, 413, 415, 429];

const hookRequest = fc.record({
  path: fc.oneof(fc.constantFrom('fz/signed', 'fz/open', 'fz/off', 'fz/tight', 'fz', 'fz/open/', 'FZ/open'), fc.stringMatching(/^[A-Za-z0-9_.\/%~-]{0,60}$/)),
  contentType: fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/JSON', ''), { nil: undefined }),
  body: fc.oneof(
    fc.json().map((j) => Buffer.from(j)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.constantFrom('', '{', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', 'a=1&a=2&b', '%%%=&&=').map((t) => Buffer.from(t)),
  ),
  signature: fc.oneof(fc.constant(undefined), fc.constant('sign'), printable(90), fc.constantFrom('sha256=', `sha256=${'0'.repeat(64)}`, `sha256=${'g'.repeat(64)}`, `sha1=${'0'.repeat(40)}`)),
  delivery: fc.option(printable(250), { nil: undefined }),
  query: fc.array(
    fc.oneof(
      fc.tuple(fc.constant('wait'), fc.constantFrom('', '-1', 'abc', '0', '0.01', '301', '1e9', 'NaN', 'Infinity')),
      fc.tuple(fc.constantFrom('test', 'x', 'a[b]', '__proto__', 'constructor'), printable(20)),
      fc.tuple(printable(10), printable(10)),
    ),
    { maxLength: 4 },
  ),
});

describe('fuzzed requests', () => {
  it('POST /hooks/<path> never answers 500', async () => {
    await fc.assert(
      fc.asyncProperty(hookRequest, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.signature === 'sign') headers['x-weft-signature'] = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
        else if (r.signature !== undefined) headers['x-weft-signature'] = r.signature;
        if (r.delivery !== undefined) headers['x-weft-delivery'] = r.delivery;
        const qs = r.query.length ? `?${r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '';
        const res = await fetch(`${s.url}/hooks/${r.path}${qs}`, { method: 'POST', headers, body: r.body });
        const text = await res.text();
        expect(HOOK_STATUSES, `${res.status} ${text}`).toContain(res.status);
        // A malformed percent-escape is refused by Fastify's router before any hook (FST_ERR_BAD_URL,
        // Fastify's own error body); every other refusal is the app's `{ error: { code } }`.
        const parsed = JSON.parse(text);
        if (res.status >= 400 && parsed.code !== 'FST_ERR_BAD_URL') expect(parsed.error.code).toEqual(expect.any(String));
      }),
      { numRuns: 400 },
    );
  });

  const cronPart = fc.oneof(fc.constantFrom('*', '*/5', '0', '59', '1-5', 'MON', 'L', '?', '#', '60', '-1', '1,2', 'JAN'), printable(6));
  const triggerLike = fc.record(
    {
      workflowId: fc.oneof(fc.constant('__wf__'), printable(20), fc.integer()),
      type: fc.oneof(fc.constantFrom('schedule', 'webhook', 'manual'), fc.anything()),
      enabled: fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null)),
      inputs: fc.oneof(fc.dictionary(printable(8), fc.jsonValue()), fc.jsonValue()),
      schedule: fc.oneof(
        fc.record(
          {
            cron: fc.oneof(fc.array(cronPart, { minLength: 1, maxLength: 7 }).map((p) => p.join(' ')), printable(40), fc.integer()),
            timezone: fc.oneof(fc.constantFrom('UTC', 'Europe/Berlin', 'europe/berlin', 'Etc/GMT+5', '+01:00', 'Local', ''), printable(30)),
            catchUp: fc.oneof(fc.constantFrom('skip', 'latest', 'all'), printable(5)),
            catchUpWindowSeconds: fc.oneof(fc.integer(), fc.double()),
            overlap: fc.oneof(fc.constantFrom('skip', 'queue', 'allow'), printable(5)),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      webhook: fc.oneof(
        fc.record(
          {
            path: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.\/%-]{0,40}$/), printable(40)),
            secret: printable(600),
            rateLimitPerMinute: fc.oneof(fc.integer(), fc.double()),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );
  const withWorkflow = (t: Record<string, unknown>) => (t.workflowId === '__wf__' ? { ...t, workflowId } : t);

  it('PUT /api/triggers/:key never answers 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom('k1', 'k2', 'signed'), printable(120)), fc.oneof(triggerLike.map(withWorkflow), fc.jsonValue()), async (key, body) => {
        const res = await s.request('PUT', `/api/triggers/${encodeURIComponent(key)}`, { body });
        expect([200, 400, 404, 422], JSON.stringify(res.body)).toContain(res.status);
        if (res.status === 200) expect(res.body.key).toBe(key);
      }),
      { numRuns: 400 },
    );
  });

  it('POST /api/workflows with a random trigger never answers 500, and a refused one saves no workflow', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(triggerLike.map((t) => ({ ...t, key: 'fuzzed' })), fc.jsonValue()), async (trigger) => {
        const before = (s.app.db.prepare('SELECT COUNT(*) AS n FROM workflows').get() as { n: number }).n;
        const { workflowId: _ignored, ...rest } = (typeof trigger === 'object' && trigger !== null && !Array.isArray(trigger) ? trigger : { t: trigger }) as Record<string, unknown>;
        const res = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Fuzzed'), trigger: Math.random() < 0.5 ? trigger : rest } });
        // 400: a `__proto__` key is refused by the JSON parser (prototype poisoning), never a 500.
        expect([201, 400, 422], JSON.stringify(res.body)).toContain(res.status);
        const after = (s.app.db.prepare('SELECT COUNT(*) AS n FROM workflows').get() as { n: number }).n;
        expect(after).toBe(res.status === 201 ? before + 1 : before);
        if (res.status === 201) await s.request('DELETE', '/api/triggers/fuzzed');
      }),
      { numRuns: 200 },
    );
  });
});
