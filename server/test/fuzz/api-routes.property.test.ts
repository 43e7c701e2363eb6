import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from '../helpers/server';

/**
 * Every route the server registered (taken from Fastify, so a new route is fuzzed without anyone
 * adding it), called with hostile params, query strings and bodies: the answer is always a
 * deliberate status below 500 in the app's error shape. fast-check prints the seed and the shrunk
 * counterexample on failure; nothing inside a property uses Math.random.
 */
let s: TestServer;
const known: Record<string, string[]> = { id: [], key: [], name: [], n: ['1', '2'] };

beforeAll(async () => {
  s = await startServer();
  const wf = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Fuzz routes') } });
  known.id!.push(wf.body.id);
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  known.id!.push(run.body.executionId);
  const session = await s.request('POST', '/api/sessions', { body: {} });
  if (session.body?.id) known.id!.push(session.body.id);
  await s.request('PUT', '/api/triggers/fuzz-hook', { body: { workflowId: wf.body.id, type: 'webhook', webhook: { path: 'fuzz/hook', verify: 'none' } } });
  await s.request('PUT', '/api/triggers/fuzz-cron', {
    body: { workflowId: wf.body.id, type: 'schedule', enabled: false, schedule: { cron: '0 9 * * 1-5', timezone: 'UTC' } },
  });
  known.key!.push('fuzz-hook', 'fuzz-cron');
  known.name!.push('github', 'nothing-here');
});
afterAll(() => s.close());

const FIELD_NAMES = [
  'name',
  'definition',
  'steps',
  'id',
  'type',
  'trigger',
  'inputs',
  'version',
  'baseVersion',
  'decision',
  'comment',
  'content',
  'prompt',
  'key',
  'workflowId',
  'schedule',
  'webhook',
  'enabled',
  'config',
  'credentials',
  'provider',
  'arguments',
  'context',
  'sessionId',
  'title',
  'limit',
  'before',
  'after',
  'status',
  'topic',
  'fromStep',
  'baseDraft',
  'stepId',
  'token',
  'decidedBy',
  '__proto__',
  'constructor',
  'prototype',
];

const weird = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../..', '%', '%00', 'null', 'undefined', '-1', '0', '1e308', 'NaN', '[]', '{}', 'x'.repeat(300), '\u0000', '\ud800', '😀'),
  fc.integer().map(String),
);

const param = (name: string) => fc.oneof(fc.constantFrom(...(known[name] ?? ['x'])), weird);

const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELD_NAMES, 'context', 'unread', 'wait'), fc.string({ maxLength: 10 })), weird), { maxLength: 5 });

/** Built after the fixtures exist, so bodies can name real objects. */
const bodyArbitrary = () => {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...known.id!), weird);
  return fc.oneof(
    fc.constant(undefined),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.dictionary(fc.constantFrom(...FIELD_NAMES), value, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
    fc.constantFrom(
      '{',
      '[',
      '"',
      '{"__proto__":{"isAdmin":true}}',
      '{"definition":{"steps":[{"id":"a","type":"bash","command":"echo {{ x }}"}]}}',
      'a=1&b=2',
      '\u0000',
      // Nested past the parser's depth limit (400 body_too_deep): 5,000 levels once stringified to a 500.
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `{"definition":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
    ),
  );
};
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
);

/**
 * An `Idempotency-Key` header now and then: a few reused keys (so a body meets a key another
 * request used), and any value fetch can send (Latin-1, no control characters; fetch trims spaces).
 */
const idempotencyKey = fc.option(
  fc.oneof(
    fc.constantFrom('k1', 'k2', 'x'.repeat(255), 'x'.repeat(256)),
    fc.string({
      unit: fc
        .integer({ min: 0x21, max: 0xff })
        .filter((c) => c < 0x7f || c > 0x9f)
        .map((c) => String.fromCharCode(c)),
      maxLength: 300,
    }),
  ),
  { nil: undefined },
);

/** A lone surrogate cannot be spelled in a URL at all: send the replacement character instead. */
const enc = (v: string) => encodeURIComponent(v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

function fill(url: string, params: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_, name: string) => enc(params[name] ?? 'x')).replace(/\*$/, 'x');
}

describe('every route under hostile input', () => {
  it('never answers 5xx, and refuses in the app shape', async () => {
    // WebSockets have their own fuzz (socket-frames); webhooks theirs (triggers-fuzz).
    const routes = s.app.auth.routes.filter((r) => !r.websocket && r.method !== 'HEAD' && !r.url.startsWith('/hooks/'));
    expect(routes.length).toBeGreaterThan(40);
    const body = bodyArbitrary();
    for (const route of routes) {
      const names = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
      const params = fc.record(Object.fromEntries(names.map((n) => [n, param(n)])) as Record<string, fc.Arbitrary<string>>);
      await fc.assert(
        fc.asyncProperty(params, query, body, contentType, idempotencyKey, async (p, q, b, type, key) => {
          const qs = q.length ? `?${q.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : '';
          const path = fill(route.url, p) + qs;
          const headers: Record<string, string> = { authorization: `Bearer ${s.token}` };
          if (type !== undefined && b !== undefined) headers['content-type'] = type;
          if (key !== undefined) headers['idempotency-key'] = key;
          const res = await fetch(s.url + path, {
            method: route.method,
            headers,
            body: route.method === 'GET' || route.method === 'DELETE' ? undefined : b,
            redirect: 'manual',
          });
          const text = await res.text();
          // Readiness answers 503 by contract while no runner is connected (this server has none).
          const notReady = route.url === '/api/ready' && res.status === 503 && text.includes('"no_runner"');
          if (!notReady) expect(res.status, `${route.method} ${path} -> ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
          // Pages a person opens (the sign-in link) answer their refusals as HTML, not JSON.
          const isPage = (res.headers.get('content-type') ?? '').startsWith('text/html');
          if (res.status >= 400 && res.status !== 404 && !isPage) {
            let parsed: { error?: { code?: unknown; message?: unknown } } = {};
            try {
              parsed = JSON.parse(text);
            } catch {
              /* asserted below */
            }
            expect(typeof parsed.error?.code, `${route.method} ${path}: ${text.slice(0, 300)}`).toBe('string');
            expect(typeof parsed.error?.message).toBe('string');
          }
        }),
        { numRuns: 60 },
      );
    }
  }, 240_000);
});
