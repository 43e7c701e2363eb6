import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_MAX_DEPTH, jsonTooDeep } from '../src/http/json-body';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';
import { weftHeaders } from './helpers/webhook-signers';

/** `levels` arrays inside each other around `inner`: about 2 bytes a level. */
const nestedArrays = (levels: number, inner = '') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

let s: TestServer;
let workflowId: string;
beforeAll(async () => {
  s = await startServer();
  const definition = { ...minimalDefinition('Deep'), inputs: { data: { type: 'array', required: false } } };
  const created = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(created.status).toBe(201);
  workflowId = created.body.id;
  for (const [key, webhook] of [
    ['deep-open', { path: 'deep/open', verify: 'none' }],
    ['deep-signed', { path: 'deep/signed', verify: 'weft', secret: 'a-deep-secret-of-length' }],
  ] as const) {
    expect((await s.request('PUT', `/api/triggers/${key}`, { body: { workflowId, type: 'webhook', webhook } })).status).toBe(200);
  }
});
afterAll(() => s.close());

const TOO_DEEP = {
  error: {
    code: 'body_too_deep',
    message: `body: JSON is nested deeper than ${JSON_MAX_DEPTH} levels of arrays and objects`,
    details: { limit: JSON_MAX_DEPTH },
  },
};

const post = async (path: string, raw: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

describe(`JSON bodies nested deeper than ${JSON_MAX_DEPTH} levels`, () => {
  it('counts depth in one pass, skipping brackets inside strings', () => {
    expect(jsonTooDeep(nestedArrays(JSON_MAX_DEPTH))).toBe(false);
    expect(jsonTooDeep(nestedArrays(JSON_MAX_DEPTH + 1))).toBe(true);
    expect(jsonTooDeep(nestedObjects(JSON_MAX_DEPTH + 1))).toBe(true);
    expect(jsonTooDeep(JSON.stringify({ s: '['.repeat(10_000), t: 'a\\"[[[' }))).toBe(false);
    expect(jsonTooDeep(`[${'"\\\\",'.repeat(10)}${nestedArrays(JSON_MAX_DEPTH)}]`)).toBe(true);
    // Siblings are not depth.
    expect(jsonTooDeep(`[${Array.from({ length: 10_000 }, () => '[]').join(',')}]`)).toBe(false);
  });

  it('a webhook answers 400 body_too_deep (counted as bad_body), never a 500; at the limit it runs', async () => {
    const deep = nestedArrays(5000);
    expect(deep.length).toBe(10_000);
    const open = await post('/hooks/deep/open', deep);
    expect(open.status).toBe(400);
    expect(open.body).toEqual(TOO_DEEP);
    const objects = await post('/hooks/deep/open', nestedObjects(5000));
    expect(objects.body).toEqual(TOO_DEEP);
    // Signed: the signature is checked first, then the body.
    const ts = Math.floor(Date.now() / 1000);
    const signed = await post('/hooks/deep/signed', deep, weftHeaders({ secret: 'a-deep-secret-of-length', target: '/hooks/deep/signed', body: deep, ts }));
    expect(signed.status).toBe(400);
    expect(signed.body).toEqual(TOO_DEEP);
    const counts = (await s.request('GET', '/api/triggers/deep-open/deliveries')).body.counts as { reason: string; count: number }[];
    expect(counts.filter((c) => c.reason === 'bad_body').reduce((n, c) => n + c.count, 0)).toBe(2);

    const atLimit = await post('/hooks/deep/open', nestedArrays(JSON_MAX_DEPTH - 1, '1'));
    expect(atLimit.status).toBe(202);
    const run = (await s.request('GET', `/api/executions/${atLimit.body.executionId}`)).body;
    expect(JSON.stringify(run.trigger.body)).toBe(nestedArrays(JSON_MAX_DEPTH - 1, '1'));
  });

  it('an authenticated JSON route answers 400 body_too_deep before anything reads the body', async () => {
    const deepInputs = `{"inputs":{"data":${nestedArrays(5000)}}}`;
    const auth = { authorization: `Bearer ${s.token}` };
    for (const [path, raw] of [
      [`/api/workflows/${workflowId}/run`, deepInputs],
      ['/api/workflows', `{"definition":${nestedArrays(5000)}}`],
      ['/api/workflows/import', `{"format":"weft.workflow/1","definition":${nestedObjects(5000)}}`],
      ['/api/workflows/validate', nestedArrays(5000)],
    ] as const) {
      const res = await post(path, raw, auth);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toEqual(TOO_DEEP);
    }
    // Without the token it is still a 401 first (nothing is parsed for a stranger), and a charset changes nothing.
    expect((await post(`/api/workflows/${workflowId}/run`, deepInputs)).status).toBe(401);
    const withCharset = await post(`/api/workflows/${workflowId}/run`, deepInputs, { ...auth, 'content-type': 'application/json; charset=utf-8' });
    expect(withCharset.body).toEqual(TOO_DEEP);

    // Within the limit the same route works as before.
    const ok = await post(`/api/workflows/${workflowId}/run`, `{"inputs":{"data":${nestedArrays(JSON_MAX_DEPTH - 3, '1')}}}`, auth);
    expect(ok.status).toBe(202);
    // Other JSON errors keep their codes.
    expect((await post('/api/workflows', '{"definition":', auth)).body.error.code).toBe('bad_request');
    expect((await post('/api/workflows', '{"__proto__":{"x":1}}', auth)).status).toBe(400);
  });
});
