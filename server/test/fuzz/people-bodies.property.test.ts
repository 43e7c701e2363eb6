import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Hostile bodies for the people routes that take free text from strangers: inviting
 * (`POST /api/users`) and signing in (`POST /auth/password`). Every answer is a deliberate 4xx
 * (or the success) in the app's error shape, never a 500.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', 'a@b.co', 'ADMIN@example.com', 'owner', 'admin', 'viewer', 'x'.repeat(300), '\u0000', '😀@example.com', "'; DROP TABLE users; --"),
  fc.emailAddress(),
);
const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), text));
const body = (fields: string[]) =>
  fc.oneof(
    fc.record(Object.fromEntries(fields.map((f) => [f, value])), { requiredKeys: [] }),
    fc.record(Object.fromEntries(fields.map((f) => [f, text]))),
    value,
  );

const expectDeliberate = (res: { status: number; body: any }) => {
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400) expect(res.body.error.code).toEqual(expect.any(String));
};

describe('people request bodies', () => {
  it('POST /api/users never answers 500', async () => {
    await fc.assert(
      fc.asyncProperty(body(['name', 'email', 'role']), async (b) => {
        const res = await s.request('POST', '/api/users', { body: b });
        expectDeliberate(res);
        if (res.status === 201) expect(res.body.inviteUrl).toMatch(/\/invite\/[A-Za-z0-9_-]+$/);
      }),
      { numRuns: 150 },
    );
  });

  it('POST /auth/password never answers 500 and never signs anyone in', async () => {
    await fc.assert(
      fc.asyncProperty(body(['email', 'password']), async (b) => {
        const res = await s.request('POST', '/auth/password', { token: null, body: b });
        expectDeliberate(res);
        expect([401, 422, 429]).toContain(res.status);
      }),
      { numRuns: 80 },
    );
  });
});
