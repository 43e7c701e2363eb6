import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPerson, asCookie, auditActions, cookieOf, invite, PASSWORD } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(() => s.close());

describe('invite, accept, sign in with a password, sign out', () => {
  it('walks the whole way and records each step', async () => {
    const { id, code, inviteUrl } = await invite(s, { name: 'Ada', email: 'ada@example.com', role: 'editor' });
    expect(inviteUrl).toBe(`http://127.0.0.1:${s.port}/invite/${code}`);
    // Only the code's hash is kept.
    const stored = s.app.db.prepare('SELECT code_hash FROM user_invites').all() as { code_hash: string }[];
    expect(stored.map((r) => r.code_hash)).not.toContain(code);

    const greeting = await s.request('GET', `/auth/invite/${code}`, { token: null });
    expect(greeting.status).toBe(200);
    expect(greeting.body).toEqual({ name: 'Ada', email: 'ada@example.com' });

    const accepted = await s.request('POST', '/auth/invite', { token: null, body: { code, password: PASSWORD } });
    expect(accepted.status).toBe(204);
    const me = await asCookie(s, cookieOf(accepted))('GET', '/api/me');
    expect(me.body).toMatchObject({ id, name: 'Ada', email: 'ada@example.com', role: 'editor', via: 'session', setupRequired: false });
    expect(me.body.scopes).toEqual(['read', 'run', 'write']);

    // One time only.
    expect((await s.request('POST', '/auth/invite', { token: null, body: { code, password: PASSWORD } })).status).toBe(404);
    expect((await s.request('GET', `/auth/invite/${code}`, { token: null })).status).toBe(404);

    const signIn = await s.request('POST', '/auth/password', { token: null, body: { email: 'ADA@example.com', password: PASSWORD } });
    expect(signIn.status).toBe(204);
    const cookie = cookieOf(signIn);
    const as = asCookie(s, cookie);
    expect((await as('GET', '/api/me')).body.id).toBe(id);
    expect((await as('POST', '/auth/logout')).status).toBe(204);
    expect((await as('GET', '/api/me')).status).toBe(401);

    const actions = auditActions(s).map((e) => e.action);
    expect(actions).toEqual(['user.invited', 'user.activated', 'auth.signed_in', 'auth.signed_in', 'auth.signed_out']);
    for (const entry of auditActions(s)) {
      expect(entry.details).not.toContain(PASSWORD);
      expect(entry.details).not.toContain(code);
    }
    const users = await s.request('GET', '/api/users');
    expect(users.body.users.find((u: { id: string }) => u.id === id)).toMatchObject({ hasPassword: true, disabled: false });
    expect(users.body.users.find((u: { id: string }) => u.id === id).lastSignInAt).not.toBeNull();
  });

  it('answers 410 invite_expired after 7 days', async () => {
    const { code } = await invite(s, { name: 'Bo', email: 'bo@example.com', role: 'viewer' });
    s.app.db.prepare('UPDATE user_invites SET expires_at = ?').run(Date.now() - 1);
    const greeting = await s.request('GET', `/auth/invite/${code}`, { token: null });
    expect(greeting.status).toBe(410);
    expect(greeting.body.error.code).toBe('invite_expired');
    const accept = await s.request('POST', '/auth/invite', { token: null, body: { code, password: PASSWORD } });
    expect(accept.status).toBe(410);
    expect(accept.body.error.code).toBe('invite_expired');
  });

  it('refuses a short password naming the field', async () => {
    const { code } = await invite(s, { name: 'Cy', email: 'cy@example.com', role: 'viewer' });
    const res = await s.request('POST', '/auth/invite', { token: null, body: { code, password: 'short' } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^password: .*10/);
  });
});

describe('POST /auth/password', () => {
  it('answers 401 for a wrong password, an unknown email and a disabled person alike, and audits the attempt without the password', async () => {
    const { id } = await addPerson(s, { name: 'Di', email: 'di@example.com', role: 'viewer' });
    const wrong = await s.request('POST', '/auth/password', { token: null, body: { email: 'di@example.com', password: 'not the password' } });
    const unknown = await s.request('POST', '/auth/password', { token: null, body: { email: 'nobody@example.com', password: PASSWORD } });
    expect((await s.request('PATCH', `/api/users/${id}`, { body: { disabled: true } })).status).toBe(200);
    const disabled = await s.request('POST', '/auth/password', { token: null, body: { email: 'di@example.com', password: PASSWORD } });
    for (const res of [wrong, unknown, disabled]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'unauthorized', message: wrong.body.error.message });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const failures = auditActions(s).filter((e) => e.action === 'auth.sign_in_failed');
    expect(failures.map((e) => JSON.parse(e.details))).toEqual([
      { method: 'password', email: 'di@example.com' },
      { method: 'password', email: 'nobody@example.com' },
      { method: 'password', email: 'di@example.com' },
    ]);
    expect(failures.every((e) => e.actor_id === null && !e.details.includes(PASSWORD))).toBe(true);
  });

  it('is rate limited with the other sign-in forms: 429 even with the right password', async () => {
    await addPerson(s, { name: 'Ed', email: 'ed@example.com', role: 'viewer' });
    for (let i = 0; i < s.app.auth.signInLimiter.maxFailures; i++) {
      const res = await s.request('POST', '/auth/password', { token: null, body: { email: 'ed@example.com', password: `wrong password ${i}` } });
      expect(res.status).toBe(401);
    }
    const limited = await s.request('POST', '/auth/password', { token: null, body: { email: 'ed@example.com', password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same limiter guards the access-token form.
    expect((await s.request('POST', '/auth/login', { token: null, body: { token: s.token } })).status).toBe(429);
  });
});

describe('first start: the owner sets up once', () => {
  it('asks for setup, takes name, email and password once, then signs in with them; the access token keeps working', async () => {
    const before = await s.request('GET', '/api/me');
    expect(before.body).toMatchObject({ id: 'owner', setupRequired: true, via: 'token' });
    const setup = await s.request('POST', '/api/me/setup', { body: { name: 'Olive', email: 'olive@example.com', password: PASSWORD } });
    expect(setup.status).toBe(204);
    expect((await s.request('GET', '/api/me')).body).toMatchObject({ name: 'Olive', email: 'olive@example.com', setupRequired: false });
    const again = await s.request('POST', '/api/me/setup', { body: { name: 'Mallory', email: 'm@example.com', password: 'another password' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_set_up');
    const signIn = await s.request('POST', '/auth/password', { token: null, body: { email: 'olive@example.com', password: PASSWORD } });
    expect(signIn.status).toBe(204);
    expect((await asCookie(s, cookieOf(signIn))('GET', '/api/me')).body).toMatchObject({ id: 'owner', role: 'owner', via: 'session' });
    expect(auditActions(s).filter((e) => e.action === 'owner.set_up')).toHaveLength(1);
  });

  it('refuses setup by anyone but the owner', async () => {
    const { cookie } = await addPerson(s, { name: 'Fay', email: 'fay@example.com', role: 'admin' });
    const res = await asCookie(s, cookie)('POST', '/api/me/setup', { name: 'Fay', email: 'fay2@example.com', password: PASSWORD });
    expect(res.status).toBe(403);
  });

  it('the access-token form and the link still sign in the owner, and are audited', async () => {
    const res = await s.request('POST', '/auth/login', { token: null, body: { token: s.token } });
    expect(res.status).toBe(204);
    expect((await asCookie(s, cookieOf(res))('GET', '/api/me')).body.id).toBe('owner');
    expect((await s.request('POST', '/auth/login', { token: null, body: { token: 'nope' } })).status).toBe(401);
    expect(auditActions(s).map((e) => [e.action, JSON.parse(e.details).method])).toEqual([
      ['auth.signed_in', 'token'],
      ['auth.sign_in_failed', 'token'],
    ]);
  });
});
