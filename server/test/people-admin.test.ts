import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPerson, asCookie, auditActions, cookieOf, invite, PASSWORD } from './helpers/people';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(() => s.close());

const createToken = async (s: TestServer, cookie: string, scopes: string[]) => {
  const res = await asCookie(s, cookie)('POST', '/api/tokens', { name: 'script', scopes });
  expect(res.status).toBe(201);
  return res.body as { id: string; token: string };
};

describe('disabling a person', () => {
  it('ends their sessions and tokens at once: the next request is 401', async () => {
    const { id, cookie } = await addPerson(s, { name: 'Gus', email: 'gus@example.com', role: 'editor' });
    const { token } = await createToken(s, cookie, ['read']);
    expect((await s.request('GET', '/api/workflows', { token })).status).toBe(200);
    expect((await asCookie(s, cookie)('GET', '/api/workflows')).status).toBe(200);

    const res = await s.request('PATCH', `/api/users/${id}`, { body: { disabled: true } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id, disabled: true });
    expect((await s.request('GET', '/api/workflows', { token })).status).toBe(401);
    expect((await asCookie(s, cookie)('GET', '/api/workflows')).status).toBe(401);
    expect(s.app.db.prepare('SELECT COUNT(*) AS n FROM api_tokens WHERE user_id = ?').get(id)).toEqual({ n: 0 });

    const updated = auditActions(s).filter((e) => e.action === 'user.updated');
    expect(updated.map((e) => JSON.parse(e.details))).toEqual([{ before: { role: 'editor', disabled: false }, after: { role: 'editor', disabled: true } }]);

    // Enabled again, they sign in with their password.
    expect((await s.request('PATCH', `/api/users/${id}`, { body: { disabled: false } })).body.user.disabled).toBe(false);
    expect((await s.request('POST', '/auth/password', { token: null, body: { email: 'gus@example.com', password: PASSWORD } })).status).toBe(204);
  });
});

describe('who may change whom', () => {
  it('refuses anyone but an owner making or changing an owner, and leaves no audit entry', async () => {
    const { cookie } = await addPerson(s, { name: 'Hal', email: 'hal@example.com', role: 'admin' });
    const as = asCookie(s, cookie);
    const makeOwner = await as('POST', '/api/users', { name: 'Ivy', email: 'ivy@example.com', role: 'owner' });
    expect(makeOwner.status).toBe(403);
    expect((await as('PATCH', '/api/users/owner', { disabled: true })).status).toBe(403);
    expect((await as('PATCH', '/api/users/owner', { role: 'viewer' })).status).toBe(403);
    expect(auditActions(s).filter((e) => e.action === 'user.invited' || e.action === 'user.updated')).toHaveLength(1);
  });

  it('refuses leaving no enabled owner with 409 last_owner', async () => {
    for (const body of [{ disabled: true }, { role: 'admin' }]) {
      const res = await s.request('PATCH', '/api/users/owner', { body });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_owner');
    }
    expect((await s.request('GET', '/api/users')).body.users[0]).toMatchObject({ id: 'owner', role: 'owner', disabled: false });
    expect(auditActions(s)).toEqual([]);
  });

  it('answers 403 forbidden naming admin to someone without it', async () => {
    const { cookie } = await addPerson(s, { name: 'Jo', email: 'jo@example.com', role: 'editor' });
    for (const [method, path] of [
      ['GET', '/api/users'],
      ['POST', '/api/users'],
      ['PATCH', '/api/users/owner'],
    ] as const) {
      const res = await asCookie(s, cookie)(method, path, method === 'GET' ? undefined : {});
      expect(res.status).toBe(403);
      expect(res.body.error.details.missing).toBe('admin');
    }
  });

  it('refuses a taken email with 409 email_taken and writes no audit entry', async () => {
    await invite(s, { name: 'Kim', email: 'kim@example.com', role: 'viewer' });
    const res = await s.request('POST', '/api/users', { body: { name: 'Kim again', email: 'KIM@example.com', role: 'viewer' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('email_taken');
    expect(auditActions(s).map((e) => e.action)).toEqual(['user.invited']);
    expect((await s.request('GET', '/api/users')).body.users).toHaveLength(2);
  });
});

describe('personal access tokens', () => {
  it('a read-only token gets 403 on POST /api/workflows naming write', async () => {
    const { cookie } = await addPerson(s, { name: 'Lu', email: 'lu@example.com', role: 'editor' });
    const { token } = await createToken(s, cookie, ['read']);
    expect(token.startsWith('weft_pat_')).toBe(true);
    const res = await s.request('POST', '/api/workflows', { token, body: { definition: minimalDefinition() } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', details: { missing: 'write' } });
    expect((await s.request('GET', '/api/me', { token })).body).toMatchObject({ via: 'pat', scopes: ['read'] });
  });

  it('never exceeds its person: lowering the role cuts a write token at once', async () => {
    const { id, cookie } = await addPerson(s, { name: 'Mo', email: 'mo@example.com', role: 'editor' });
    const { token } = await createToken(s, cookie, ['read', 'write']);
    expect((await s.request('POST', '/api/workflows', { token, body: { definition: minimalDefinition('First') } })).status).toBe(201);
    expect((await s.request('PATCH', `/api/users/${id}`, { body: { role: 'viewer' } })).status).toBe(200);
    const res = await s.request('POST', '/api/workflows', { token, body: { definition: minimalDefinition('Second') } });
    expect(res.status).toBe(403);
    expect(res.body.error.details.missing).toBe('write');
  });

  it('refuses scopes beyond the role (422 naming it) and tokens minted by a token (403)', async () => {
    const { cookie } = await addPerson(s, { name: 'Ned', email: 'ned@example.com', role: 'operator' });
    const beyond = await asCookie(s, cookie)('POST', '/api/tokens', { name: 'x', scopes: ['read', 'approve'] });
    expect(beyond.status).toBe(422);
    expect(beyond.body.error).toMatchObject({ code: 'scope_not_allowed', details: { scope: 'approve' } });
    expect(beyond.body.error.message).toContain('approve');
    const { token } = await createToken(s, cookie, ['read', 'run']);
    const minted = await s.request('POST', '/api/tokens', { token, body: { name: 'y', scopes: ['read'] } });
    expect(minted.status).toBe(403);
    expect(auditActions(s).filter((e) => e.action === 'token.created')).toHaveLength(1);
  });

  it('lists own tokens without the secret, and revokes them: 401 after', async () => {
    const { cookie } = await addPerson(s, { name: 'Oz', email: 'oz@example.com', role: 'viewer' });
    const as = asCookie(s, cookie);
    const { id, token } = await createToken(s, cookie, ['read']);
    expect((await s.request('GET', '/api/tokens', { token })).body.tokens).toEqual([
      expect.objectContaining({ id, name: 'script', scopes: ['read'], expiresAt: null, lastUsedAt: expect.any(String) }),
    ]);
    expect(JSON.stringify((await as('GET', '/api/tokens')).body)).not.toContain(token);
    // The owner sees only their own.
    expect((await s.request('GET', '/api/tokens')).body.tokens).toEqual([]);
    expect((await s.request('DELETE', `/api/tokens/${id}`)).status).toBe(404);
    expect((await as('DELETE', `/api/tokens/${id}`)).status).toBe(204);
    expect((await s.request('GET', '/api/me', { token })).status).toBe(401);
    expect((await as('DELETE', `/api/tokens/${id}`)).status).toBe(404);
    expect(
      auditActions(s)
        .filter((e) => e.action.startsWith('token.'))
        .map((e) => e.action),
    ).toEqual(['token.created', 'token.revoked']);
    expect(auditActions(s).every((e) => !e.details.includes(token))).toBe(true);
  });

  it('an expired token signs nobody in', async () => {
    const { cookie } = await addPerson(s, { name: 'Pia', email: 'pia@example.com', role: 'viewer' });
    const past = await asCookie(s, cookie)('POST', '/api/tokens', { name: 'old', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(422);
    const soon = new Date(Date.now() + 60_000).toISOString();
    const { token } = (await asCookie(s, cookie)('POST', '/api/tokens', { name: 'soon', scopes: ['read'], expiresAt: soon })).body;
    expect((await s.request('GET', '/api/me', { token })).status).toBe(200);
    s.app.db.prepare('UPDATE api_tokens SET expires_at = ?').run(Date.now() - 1);
    expect((await s.request('GET', '/api/me', { token })).status).toBe(401);
  });
});

describe('sessions', () => {
  it('lists the current one marked, revokes another: that browser is signed out', async () => {
    const { cookie: first } = await addPerson(s, { name: 'Quin', email: 'quin@example.com', role: 'viewer' });
    const second = cookieOf(await s.request('POST', '/auth/password', { token: null, body: { email: 'quin@example.com', password: PASSWORD } }));
    const list = await asCookie(s, second)('GET', '/api/me/sessions');
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    const current = list.body.sessions.find((x: { current: boolean }) => x.current);
    const other = list.body.sessions.find((x: { current: boolean }) => !x.current);
    expect(current).toBeDefined();
    expect(JSON.stringify(list.body)).not.toContain(second.split('=')[1]);
    expect((await s.request('DELETE', `/api/me/sessions/${other.id}`)).status).toBe(404);
    expect((await asCookie(s, second)('DELETE', `/api/me/sessions/${other.id}`)).status).toBe(204);
    expect((await asCookie(s, first)('GET', '/api/me')).status).toBe(401);
    expect((await asCookie(s, second)('GET', '/api/me')).status).toBe(200);
    expect(
      auditActions(s)
        .filter((e) => e.action === 'session.revoked')
        .map((e) => e.target_id),
    ).toEqual([other.id]);
  });
});
