import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';
import { githubHeaders, slackHeaders, stripeHeaders, weftHeaders } from './helpers/webhook-signers';

/** Request parsing of /hooks/ and /api/triggers under random input: always a deliberate 2xx/4xx, never a 500. */
let s: TestServer;
let workflowId: string;
const SECRET = 'fuzzing-secret-0123456789';
beforeAll(async () => {
  s = await startServer();
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Fuzz') } })).body.id;
  const put = (key: string, webhook: Record<string, unknown>, enabled = true) =>
    s.request('PUT', `/api/triggers/${key}`, { body: { workflowId, type: 'webhook', enabled, webhook } });
  for (const scheme of SCHEMES) await put(scheme, { path: `fz/${scheme}`, verify: scheme, secret: SECRET, rateLimitPerMinute: 1_000_000 });
  await put('browser', { path: 'fz/browser', verify: 'none', allowBrowser: true, respondWithOutput: true, rateLimitPerMinute: 1_000_000 });
  await put('open', { path: 'fz/open', verify: 'none', rateLimitPerMinute: 1_000_000 });
  await put('off', { path: 'fz/off', secret: SECRET }, false);
  await put('tight', { path: 'fz/tight', rateLimitPerMinute: 1 });
});

const SCHEMES = ['weft', 'github', 'stripe', 'slack'] as const;
type Scheme = (typeof SCHEMES)[number];

/** What the sender of `scheme` would send for this request, `skew` seconds off the clock. */
function signed(scheme: Scheme, { target, body, skew }: { target: string; body: Buffer; skew: number }): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000) + skew;
  switch (scheme) {
    case 'weft':
      return weftHeaders({ secret: SECRET, target, body, ts });
    case 'github':
      return githubHeaders({ secret: SECRET, body });
    case 'stripe':
      return stripeHeaders({ secret: SECRET, body: body.toString('latin1'), ts });
    case 'slack':
      return slackHeaders({ secret: SECRET, body: body.toString('latin1'), ts });
    default: {
      const never: never = scheme;
      throw new Error(`unknown scheme ${String(never)}`);
    }
  }
}
afterAll(() => s.close());

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
const HOOK_STATUSES = [200, 202, 400, 401, 403, 404, 409, 413, 415, 429];
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
/** Values shaped like each scheme's headers, and not. */
const headerValue = fc.oneof(
  printable(90),
  fc.integer({ min: -1e12, max: 1e13 }).map(String),
  hex64.map((h) => `sha256=${h}`),
  hex64.map((h) => `v0=${h}`),
  fc.tuple(fc.integer({ min: 0, max: 2e9 }), fc.array(hex64, { maxLength: 3 })).map(([t, v]) => [`t=${t}`, ...v.map((x) => `v1=${x}`)].join(',')),
  fc.constantFrom('t=,v1=', ',,,', 't=1,t=2,v1=', '=', `v1=${'g'.repeat(64)}`, 'null', 'https://evil.example', 'cross-site', 'same-origin'),
);
const HEADER_NAMES = [
  'x-weft-signature',
  'x-weft-timestamp',
  'x-hub-signature-256',
  'stripe-signature',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'x-github-delivery',
  'origin',
  'sec-fetch-site',
] as const;

const hookRequest = fc.record({
  path: fc.oneof(
    { arbitrary: fc.constantFrom('fz/weft', 'fz/github', 'fz/stripe', 'fz/slack', 'fz/browser', 'fz/open', 'fz/off', 'fz/tight'), weight: 4 },
    fc.constantFrom('fz', 'fz/open/', 'FZ/open'),
    fc.stringMatching(/^[A-Za-z0-9_./%~-]{0,60}$/),
  ),
  contentType: fc.oneof(
    { arbitrary: fc.constantFrom('application/json', 'application/x-www-form-urlencoded'), weight: 3 },
    fc.option(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/octet-stream',
        'multipart/form-data; boundary=x',
        'application/JSON',
        '',
      ),
      { nil: undefined },
    ),
  ),
  body: fc.oneof(
    fc.json().map((j) => Buffer.from(j)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc
      .constantFrom(
        '',
        '{',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
        'a=1&a=2&b',
        '%%%=&&=',
        // Past the depth limit: 400 body_too_deep, not the 500 a stringify of 5,000 levels gave.
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
      )
      .map((t) => Buffer.from(t)),
  ),
  /** Sign as the path's sender would (with some clock skew), or not. */
  sign: fc.option(fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.integer({ min: -400, max: 400 }), fc.constantFrom(-301, 301, -300, 300)), {
    nil: undefined,
    freq: 4,
  }),
  /** Then overwrite or add any of the signature and browser headers. */
  headers: fc.oneof({ arbitrary: fc.constant({}), weight: 2 }, fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 3 })),
  delivery: fc.option(printable(250), { nil: undefined }),
  query: fc.oneof(
    { arbitrary: fc.constant<[string, string][]>([]), weight: 2 },
    fc.array<[string, string]>(
      fc.oneof(
        fc.tuple(fc.constant('wait'), fc.constantFrom('', '-1', 'abc', '0', '0.01', '301', '1e9', 'NaN', 'Infinity')),
        fc.tuple(fc.constantFrom('test', 'x', 'a[b]', '__proto__', 'constructor'), printable(20)),
        fc.tuple(printable(10), printable(10)),
      ),
      { maxLength: 4 },
    ),
  ),
});

describe('fuzzed requests', () => {
  it('POST /hooks/<path> with every scheme never answers 5xx', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(hookRequest, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.delivery !== undefined) headers['x-weft-delivery'] = r.delivery;
        const qs = r.query.length ? `?${r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '';
        const scheme = r.path === 'fz/off' ? 'weft' : SCHEMES.find((x) => r.path === `fz/${x}`);
        if (scheme !== undefined && r.sign !== undefined)
          Object.assign(headers, signed(scheme, { target: `/hooks/${r.path}${qs}`, body: r.body, skew: r.sign }));
        Object.assign(headers, r.headers);
        const res = await fetch(`${s.url}/hooks/${r.path}${qs}`, { method: 'POST', headers, body: r.body });
        const text = await res.text();
        expect(HOOK_STATUSES, `${res.status} ${text}`).toContain(res.status);
        // A malformed percent-escape is refused by Fastify's router before any hook (FST_ERR_BAD_URL,
        // Fastify's own error body); every other refusal is the app's `{ error: { code } }`.
        const parsed = JSON.parse(text);
        if (res.status >= 400 && parsed.code !== 'FST_ERR_BAD_URL') expect(parsed.error.code).toEqual(expect.any(String));
      }),
      { numRuns: 600 },
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
            cron: fc.oneof(
              fc.array(cronPart, { minLength: 1, maxLength: 7 }).map((p) => p.join(' ')),
              printable(40),
              fc.integer(),
            ),
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
            path: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_./%-]{0,40}$/), printable(40)),
            verify: fc.oneof(fc.constantFrom('weft', 'github', 'stripe', 'slack', 'none'), fc.anything()),
            secret: printable(600),
            regenerateSecret: fc.oneof(fc.boolean(), fc.anything()),
            rateLimitPerMinute: fc.oneof(fc.integer(), fc.double()),
            allowBrowser: fc.oneof(fc.boolean(), fc.anything()),
            respondWithOutput: fc.oneof(fc.boolean(), fc.anything()),
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
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('k1', 'k2', 'weft'), printable(120)),
        fc.oneof(triggerLike.map(withWorkflow), fc.jsonValue()),
        async (key, body) => {
          const res = await s.request('PUT', `/api/triggers/${encodeURIComponent(key)}`, { body });
          expect([200, 400, 404, 422], JSON.stringify(res.body)).toContain(res.status);
          if (res.status === 200) expect(res.body.key).toBe(key);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('POST /api/workflows with a random trigger never answers 500, and a refused one saves no workflow', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          triggerLike.map((t) => ({ ...t, key: 'fuzzed' })),
          fc.jsonValue(),
        ),
        async (trigger) => {
          const before = (s.app.db.prepare('SELECT COUNT(*) AS n FROM workflows').get() as { n: number }).n;
          const { workflowId: _ignored, ...rest } = (
            typeof trigger === 'object' && trigger !== null && !Array.isArray(trigger) ? trigger : { t: trigger }
          ) as Record<string, unknown>;
          const res = await s.request('POST', '/api/workflows', {
            body: { definition: minimalDefinition('Fuzzed'), trigger: Math.random() < 0.5 ? trigger : rest },
          });
          // 400: a `__proto__` key is refused by the JSON parser (prototype poisoning), never a 500.
          expect([201, 400, 422], JSON.stringify(res.body)).toContain(res.status);
          const after = (s.app.db.prepare('SELECT COUNT(*) AS n FROM workflows').get() as { n: number }).n;
          expect(after).toBe(res.status === 201 ? before + 1 : before);
          if (res.status === 201) await s.request('DELETE', '/api/triggers/fuzzed');
        },
      ),
      { numRuns: 200 },
    );
  });
});
