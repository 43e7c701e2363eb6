import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPersonWithToken } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/** GET /api/workflows/:id/diff over a real server and SQLite file: what the compare view reads. */

let s: TestServer;
let id: string;

const v1 = {
  name: 'Disk check',
  steps: [
    { id: 'check', type: 'bash', command: 'df -h /' },
    { id: 'old', type: 'notify', message: 'checked' },
    {
      id: 'gate',
      type: 'conditional',
      condition: 'true',
      then: [{ id: 'warn', type: 'notify', message: 'low disk' }],
    },
  ],
};
const v2 = {
  name: 'Disk check',
  steps: [
    { id: 'check', type: 'bash', command: 'df -h /var', retry: { maxAttempts: 3 } },
    {
      id: 'gate',
      type: 'conditional',
      condition: 'true',
      then: [{ id: 'warn', type: 'notify', message: 'low disk' }],
    },
    { id: 'fresh', type: 'notify', message: 'done' },
  ],
};
// v3 only moves `warn` out of the conditional.
const v3 = {
  name: 'Disk check',
  steps: [
    v2.steps[0],
    { ...v2.steps[1], then: [{ id: 'note', type: 'notify', message: 'x' }] },
    { id: 'warn', type: 'notify', message: 'low disk' },
    v2.steps[2],
  ],
};

beforeAll(async () => {
  s = await startServer();
  const created = await s.request('POST', '/api/workflows', { body: { definition: v1 } });
  id = created.body.id;
  const put2 = await s.request('PUT', `/api/workflows/${id}`, { body: { definition: v2, baseVersion: 1 } });
  expect(put2.status, JSON.stringify(put2.body)).toBe(200);
  expect((await s.request('PUT', `/api/workflows/${id}`, { body: { definition: v3, baseVersion: 2 } })).status).toBe(200);
});
afterAll(() => s.close());

const diff = (query: string, token?: string) => s.request('GET', `/api/workflows/${id}/diff${query}`, token === undefined ? {} : { token });

describe('GET /api/workflows/:id/diff', () => {
  it('names the added, removed, changed (with leaf field paths) and moved steps', async () => {
    const res = await diff('?from=1&to=2');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      added: ['fresh'],
      removed: ['old'],
      changed: [{ id: 'check', fields: ['command', 'retry.maxAttempts'] }],
      moved: [],
    });
  });

  it('reads backwards too, and is empty for a version against itself', async () => {
    expect((await diff('?from=2&to=1')).body).toEqual({
      added: ['old'],
      removed: ['fresh'],
      changed: [{ id: 'check', fields: ['command', 'retry.maxAttempts'] }],
      moved: [],
    });
    expect((await diff('?from=2&to=2')).body).toEqual({ added: [], removed: [], changed: [], moved: [] });
  });

  it('marks a step taken out of its conditional as moved, and nothing else', async () => {
    expect((await diff('?from=2&to=3')).body).toEqual({ added: ['note'], removed: [], changed: [], moved: ['warn'] });
  });

  it('is open to anyone who can read workflows', async () => {
    const { token } = addPersonWithToken(s, 'viewer');
    expect((await diff('?from=1&to=3', token)).status).toBe(200);
  });

  it('refuses a query that is not two version numbers with 400 invalid_query naming the field', async () => {
    const cases: [string, string][] = [
      ['', 'from'],
      ['?from=1', 'to'],
      ['?to=1', 'from'],
      ['?from=abc&to=1', 'from'],
      ['?from=1&to=1.5', 'to'],
      ['?from=-1&to=2', 'from'],
      ['?from=0&to=2', 'from'],
      ['?from=1e2&to=2', 'from'],
      ['?from=1&from=2&to=2', 'from'],
      ['?from=1&to=99999999999', 'to'],
    ];
    for (const [query, field] of cases) {
      const res = await diff(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'invalid_query', details: { field } });
      expect(res.body.error.message, query).toContain(field);
    }
  });

  it('answers 404 version_not_found naming the side, and not_found for an unknown workflow', async () => {
    const missingTo = await diff('?from=1&to=9');
    expect(missingTo.status).toBe(404);
    expect(missingTo.body.error).toMatchObject({ code: 'version_not_found', details: { field: 'to', version: 9 } });
    expect(missingTo.body.error.message).toMatch(/^to: version 9/);
    const missingFrom = await diff('?from=7&to=1');
    expect(missingFrom.body.error).toMatchObject({ code: 'version_not_found', details: { field: 'from', version: 7 } });
    const unknown = await s.request('GET', '/api/workflows/wf_nope/diff?from=1&to=2');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('never fails on a hostile query string: 200, 400 or 404 with an error code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 12 }), async (from, to) => {
        const res = await diff(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
        expect([200, 400, 404]).toContain(res.status);
        if (res.status !== 200) expect(typeof res.body.error.code).toBe('string');
      }),
      { numRuns: 60 },
    );
  });
});
