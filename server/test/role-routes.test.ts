import { ROLE_SCOPES, ROLES, type Role, type Scope } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionOf, ROUTE_PERMISSIONS, routeKey, scopeNeeded } from '../src/auth/route-permissions';
import { rawRequest, upgradeStatus } from './helpers/raw-http';
import { PAT_PREFIX } from '../src/people/api-tokens';
import { addPersonWithToken } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/**
 * Every registered route against every role, from the one permission table: a role without the
 * route's scope gets 403 `forbidden` naming the missing scope; a role with it gets past the check
 * (whatever the route then answers to a made-up id or an empty body). A route added later is in
 * `app.auth.routes` and so in this walk without anyone adding it.
 */

let s: TestServer;
const tokens = new Map<Role, string>();

const addPerson = (role: Role, scopes?: readonly Scope[]) => addPersonWithToken(s, role, scopes);

const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'x');
const hasBody = (method: string) => method === 'POST' || method === 'PUT' || method === 'PATCH';

function call(method: string, url: string, token: string) {
  return rawRequest(s.port, {
    method,
    path: concrete(url),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(hasBody(method) ? { body: '{}' } : {}),
  });
}

beforeAll(async () => {
  s = await startServer();
  for (const role of ROLES) tokens.set(role, addPerson(role).token);
});
afterAll(() => s.close());

describe('roles against routes', () => {
  it('declares every registered route in the one table, and nothing that is not registered', () => {
    const registered = new Set(s.app.auth.routes.filter((r) => r.method !== 'HEAD').map((r) => routeKey(r.method, r.url)));
    for (const key of registered) expect(ROUTE_PERMISSIONS[key], key).toBeDefined();
    // The built client's files are served only when client/dist exists (a checkout before `pnpm build`).
    const clientFiles = new Set(['GET /', 'GET /favicon.svg', 'GET /assets/*']);
    for (const key of Object.keys(ROUTE_PERMISSIONS)) {
      if (!clientFiles.has(key)) expect(registered.has(key), `${key} is declared but not registered`).toBe(true);
    }
  });

  it('lets each role through exactly the routes its scopes allow, and names the missing scope otherwise', async () => {
    let refused = 0;
    let allowed = 0;
    for (const route of s.app.auth.routes) {
      if (route.method === 'HEAD' || route.websocket) continue;
      const permission = permissionOf(route.method, route.url)!;
      if (permission === 'public' || permission === 'runner') continue;
      const scope = scopeNeeded(permission);
      for (const role of ROLES) {
        const res = await call(route.method, route.url, tokens.get(role)!);
        const label = `${role}: ${route.method} ${route.url}`;
        // The table's refusal names the missing scope; a route's own 403 (a token may not mint tokens) does not.
        const missing = res.body.startsWith('{') ? JSON.parse(res.body).error?.details?.missing : undefined;
        if (scope !== null && !ROLE_SCOPES[role].includes(scope)) {
          expect(res.status, label).toBe(403);
          expect(JSON.parse(res.body).error, label).toMatchObject({ code: 'forbidden', details: { missing: scope, role } });
          expect(JSON.parse(res.body).error.message, label).toContain(`"${scope}"`);
          refused++;
        } else {
          expect([401, 500], label).not.toContain(res.status);
          expect(missing, label).toBeUndefined();
          allowed++;
        }
      }
    }
    // The walk covered real ground on both sides.
    expect(refused).toBeGreaterThan(60);
    expect(allowed).toBeGreaterThan(200);
  });

  it('opens the live socket for every role (all may read), never for the runner routes', async () => {
    for (const role of ROLES) {
      const token = tokens.get(role)!;
      expect((await upgradeStatus(s.port, { path: '/ws', headers: { authorization: `Bearer ${token}` } })).status, role).toBe(101);
      const onRunner = await upgradeStatus(s.port, { path: '/ws/runner', headers: { authorization: `Bearer ${token}` } });
      expect(onRunner.status, role).toBe(403);
    }
  });
});

describe('personal tokens never do more than their person', () => {
  it('a token carries only its own scopes, even for an admin', async () => {
    const { token } = addPerson('admin', ['read']);
    expect((await s.request('GET', '/api/workflows', { token })).status).toBe(200);
    const write = await s.request('POST', '/api/workflows', { token, body: {} });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({ code: 'forbidden', details: { missing: 'write' } });
    expect(write.body.error.message).toMatch(/this token does not carry it/);
    expect((await s.request('GET', '/api/me', { token })).body).toMatchObject({ role: 'admin', scopes: ['read'], via: 'pat' });
  });

  it('lowering the role takes effect on the next request; disabling signs the token out', async () => {
    const { id, token } = addPerson('editor');
    expect((await s.request('POST', '/api/workflows', { token, body: {} })).status).toBe(422);
    s.app.db.prepare("UPDATE users SET role = 'viewer' WHERE id = ?").run(id);
    const lowered = await s.request('POST', '/api/workflows', { token, body: {} });
    expect(lowered.status).toBe(403);
    expect(lowered.body.error.details).toEqual({ missing: 'write', role: 'viewer' });
    expect((await s.request('GET', '/api/me', { token })).body.scopes).toEqual(['read']);
    s.app.db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(Date.now(), id);
    const disabled = await s.request('GET', '/api/workflows', { token });
    expect(disabled.status).toBe(401);
    expect(disabled.body.error.code).toBe('unauthorized');
  });

  it('an expired or unknown personal token is refused', async () => {
    const { id, token } = addPerson('viewer');
    s.app.db.prepare('UPDATE api_tokens SET expires_at = ? WHERE user_id = ?').run(Date.now() - 1, id);
    expect((await s.request('GET', '/api/workflows', { token })).status).toBe(401);
    expect((await s.request('GET', '/api/workflows', { token: `${PAT_PREFIX}nope` })).status).toBe(401);
  });

  it('the access token stays the owner, with every scope', async () => {
    expect((await s.request('GET', '/api/me')).body).toMatchObject({ id: 'owner', role: 'owner', scopes: ROLE_SCOPES.owner, via: 'token' });
  });
});
