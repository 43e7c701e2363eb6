import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, upgradeStatus } from './helpers/raw-http';
import { startServer, type TestServer } from './helpers/server';

/** Issue 14 §5: the browser cookie holds a random session id, stored hashed, that expires and ends at sign-out. */

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** Signs in through the printed link; returns the `weft_session=<id>` pair and the id. */
async function signInByLink(next?: string) {
  const code = new URL(s.app.auth.loginUrl()).searchParams.get('code')!;
  const res = await rawRequest(s.port, { path: `/login?code=${code}${next === undefined ? '' : `&next=${encodeURIComponent(next)}`}` });
  const pair = String(res.headers['set-cookie']).split(';')[0]!;
  return { res, pair, id: pair.slice('weft_session='.length) };
}

const rows = () =>
  s.app.db.prepare('SELECT * FROM auth_sessions').all() as {
    id_hash: string;
    principal_id: string;
    created_at: number;
    expires_at: number;
    last_seen_at: number;
  }[];
const asCookie = (pair: string, p = '/api/workflows') => s.request('GET', p, { token: null, headers: { cookie: pair } });

describe('browser sessions', () => {
  it('gives a random session id in the cookie, never the token, and stores only its hash', async () => {
    const { res, pair, id } = await signInByLink();
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/chat');
    expect(id.length).toBeGreaterThanOrEqual(40);
    expect(id).not.toContain(s.token);
    expect(s.token).not.toContain(id);
    expect(String(res.headers['set-cookie'])).toMatch(/Max-Age=2592000/);
    const row = rows().find((r) => r.id_hash === sha256(id));
    expect(row).toMatchObject({ principal_id: 'owner' });
    expect(row!.expires_at - row!.created_at).toBe(s.app.config.sessionTtlMs);
    // Nothing stored is the id itself.
    expect(JSON.stringify(rows())).not.toContain(id);
    expect((await asCookie(pair)).status).toBe(200);
    expect((await asCookie(pair, '/api/me')).body).toMatchObject({ type: 'user', id: 'owner', role: 'owner', via: 'session' });
    // A second sign-in is another session.
    const again = await signInByLink();
    expect(again.id).not.toBe(id);
  });

  it('starts a session from the sign-in form too', async () => {
    const res = await rawRequest(s.port, {
      method: 'POST',
      path: '/auth/login',
      body: JSON.stringify({ token: s.token }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(204);
    const pair = String(res.headers['set-cookie']).split(';')[0]!;
    expect(pair).toMatch(/^weft_session=/);
    expect(rows().some((r) => r.id_hash === sha256(pair.slice('weft_session='.length)))).toBe(true);
    expect((await asCookie(pair)).status).toBe(200);
  });

  it('refuses an unknown session id and the token presented as a cookie', async () => {
    for (const pair of ['weft_session=made-up-session-id-0123456789', `weft_session=${s.token}`, `weft_token=${s.token}`]) {
      const res = await asCookie(pair);
      expect(res.status, pair).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('ends at sign-out: the old cookie gets 401 afterwards, on the API and the live socket', async () => {
    const { pair, id } = await signInByLink();
    expect((await upgradeStatus(s.port, { path: '/ws', headers: { cookie: pair } })).status).toBe(101);
    const out = await rawRequest(s.port, { method: 'POST', path: '/auth/logout', headers: { cookie: pair } });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^weft_session=;/);
    expect(rows().some((r) => r.id_hash === sha256(id))).toBe(false);
    expect((await asCookie(pair)).status).toBe(401);
    expect((await upgradeStatus(s.port, { path: '/ws', headers: { cookie: pair } })).status).toBe(401);
  });

  it('refuses and deletes an expired session; a new sign-in prunes the expired ones', async () => {
    const a = await signInByLink();
    const b = await signInByLink();
    const expire = s.app.db.prepare('UPDATE auth_sessions SET expires_at = ? WHERE id_hash = ?');
    expire.run(Date.now() - 1, sha256(a.id));
    expire.run(Date.now() - 1, sha256(b.id));
    const refused = await asCookie(a.pair);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/session has ended/);
    expect(rows().some((r) => r.id_hash === sha256(a.id))).toBe(false);
    // b was never presented again: the next sign-in removes it.
    expect(rows().some((r) => r.id_hash === sha256(b.id))).toBe(true);
    await signInByLink();
    expect(rows().some((r) => r.id_hash === sha256(b.id))).toBe(false);
    expect(rows().every((r) => r.expires_at > Date.now())).toBe(true);
  });

  it('lands where the user was going, if that is a path here, else on /chat', async () => {
    expect((await signInByLink('/automation/executions/exe_1?tab=log')).res.headers.location).toBe('/automation/executions/exe_1?tab=log');
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)']) {
      expect((await signInByLink(next)).res.headers.location, next).toBe('/chat');
    }
    // A failed link keeps the destination for the sign-in page, still only as a path.
    const failed = await rawRequest(s.port, { path: `/login?code=nope&next=${encodeURIComponent('/approvals')}` });
    expect(failed.headers.location).toBe('/signin?reason=link&next=%2Fapprovals');
    const foreign = await rawRequest(s.port, { path: `/login?code=nope&next=${encodeURIComponent('//evil.example')}` });
    expect(foreign.headers.location).toBe('/signin?reason=link');
  });

  it('says who is signed in on /api/me: via the session or the token', async () => {
    expect((await s.request('GET', '/api/me')).body).toMatchObject({ type: 'user', id: 'owner', role: 'owner', via: 'token' });
    expect((await s.request('GET', '/api/me', { token: null })).status).toBe(401);
  });
});
