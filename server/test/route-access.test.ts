import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ROUTES } from '../src/auth/public-routes';
import { rawRequest, upgradeStatus } from './helpers/raw-http';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/**
 * Every route Fastify registered, called without a credential, spelled plainly and with an encoded
 * letter or slash: 401 for all but the public list, which answers as docs/api.md says. A new route
 * is in `app.auth.routes` (collected by onRoute) and so in this test without anyone adding it.
 */

const INDEX = '<!doctype html><title>Weft</title><div id="root"></div>';
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg"/>';

/** A built client in miniature: the real static plugin serves it. */
function clientDir(): string {
  const dir = makeDataDir();
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'favicon.svg'), FAVICON);
  fs.writeFileSync(path.join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  return dir;
}

/** `/api/workflows/:id` -> `/api/workflows/x`; the static wildcard gets a real file. */
function concrete(url: string): string {
  if (url === '/assets/*') return '/assets/app-1234.js';
  return url.replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'x');
}

/** What each public route answers without a credential (GET; HEAD the same without a body). */
const PUBLIC_ANSWERS: Record<string, (res: { status: number; headers: Record<string, unknown>; body: string }) => void> = {
  'GET /': (r) => {
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
  },
  'GET /favicon.svg': (r) => {
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/image\/svg\+xml/);
  },
  'GET /assets/*': (r) => {
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/javascript/);
  },
  'GET /login': (r) => {
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/signin?reason=link');
  },
  // `{}` has no token: refused as input, not for a missing credential.
  'POST /auth/login': (r) => expect(r.status).toBe(422),
  'POST /auth/logout': (r) => expect(r.status).toBe(204),
  'GET /auth/options': (r) => {
    expect(r.status).toBe(200);
    if (r.body) expect(JSON.parse(r.body)).toEqual({ password: true, sso: { enabled: false, label: null } });
  },
  // Single sign-on is not configured here: both go back to the sign-in page.
  'GET /auth/oidc/start': (r) => {
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/signin?reason=sso');
  },
  'GET /auth/oidc/callback': (r) => {
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/signin?reason=sso');
  },
  'POST /auth/password': (r) => expect(r.status).toBe(422),
  'GET /auth/invite/:code': (r) => expect(r.status).toBe(404),
  'POST /auth/invite': (r) => expect(r.status).toBe(422),
  'POST /hooks/*': (r) => expect(r.status).toBe(404),
  'GET /api/health': (r) => {
    expect(r.status).toBe(200);
    if (r.body) expect(JSON.parse(r.body)).toEqual({ ok: true });
  },
};

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { WEFT_CLIENT_DIR: clientDir() } });
});
afterAll(() => s.close());

describe('route access, decided on the matched route', () => {
  it('documents an expected answer for exactly the public list', () => {
    expect(Object.keys(PUBLIC_ANSWERS).sort()).toEqual(Object.keys(PUBLIC_ROUTES).sort());
    const registered = new Set(s.app.auth.routes.map((r) => `${r.method} ${r.url}`));
    for (const key of Object.keys(PUBLIC_ROUTES)) expect(registered.has(key), key).toBe(true);
  });

  it('answers every registered route without a credential with 401, except the public ones', async () => {
    const routes = s.app.auth.routes;
    expect(routes.length).toBeGreaterThan(60);
    const seen: string[] = [];
    for (const route of routes) {
      const key = `${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`;
      const res = await rawRequest(s.port, {
        method: route.method,
        path: concrete(route.url),
        headers: { 'content-type': 'application/json' },
        ...(route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH' ? { body: '{}' } : {}),
      });
      const publicAnswer = PUBLIC_ANSWERS[key];
      if (publicAnswer) {
        publicAnswer({ status: res.status, headers: res.headers, body: res.body });
      } else {
        expect(res.status, `${route.method} ${route.url}`).toBe(401);
        if (route.method !== 'HEAD') expect(JSON.parse(res.body).error.code).toBe('unauthorized');
      }
      seen.push(key);
    }
    // Both sockets and the tool-call endpoint are among them.
    expect(seen).toEqual(expect.arrayContaining(['GET /ws', 'GET /ws/runner', 'POST /api/tools/call', 'GET /api/workflows']));
  });

  it('refuses every route spelled with a percent-encoded letter or slash with 400, public ones too', async () => {
    for (const route of s.app.auth.routes) {
      const plain = concrete(route.url);
      const variants = [
        plain.replace(/^\/([A-Za-z])/, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`),
        plain.replace(/^(\/[^/]+)\//, '$1%2F'),
        plain.replace(/^(\/[^/]+)\//, '$1%2f'),
      ];
      for (const variant of variants.filter((v) => v !== plain)) {
        const res = await rawRequest(s.port, { method: route.method, path: variant, headers: { authorization: `Bearer ${s.token}` } });
        expect(res.status, `${route.method} ${variant}`).toBe(400);
        if (route.method !== 'HEAD') expect(JSON.parse(res.body).error.code).toBe('bad_request_target');
      }
    }
  });

  it('refuses the spellings that used to slip past the raw-URL check', async () => {
    const encodedApi = await rawRequest(s.port, { path: '/%61pi/workflows' });
    expect(encodedApi.status).toBe(400);
    const absolute = await rawRequest(s.port, { path: `http://127.0.0.1:${s.port}/api/workflows` });
    expect(absolute.status).toBe(400);
    expect(JSON.parse(absolute.body).error.message).toMatch(/absolute-form/);
    const absoluteWithToken = await rawRequest(s.port, { path: `http://127.0.0.1:${s.port}/api/workflows`, headers: { authorization: `Bearer ${s.token}` } });
    expect(absoluteWithToken.status).toBe(400);
    for (const p of ['/w%73', '/w%73/runner', '/ws%2Frunner', '/%77s']) {
      expect((await upgradeStatus(s.port, { path: p })).status, p).toBe(400);
    }
    // Encoding what must be encoded stays fine: a space in a query, `%20` in a path segment.
    expect((await s.request('GET', '/api/workflows/a%20b')).status).toBe(404);
    expect((await s.request('GET', '/api/executions?workflowId=a%2Fb')).status).toBe(200);
  });

  it('opens neither WebSocket without a credential, and each only with its own', async () => {
    expect((await upgradeStatus(s.port, { path: '/ws' })).status).toBe(401);
    expect((await upgradeStatus(s.port, { path: '/ws/runner' })).status).toBe(401);
    expect((await upgradeStatus(s.port, { path: '/ws', headers: { authorization: 'Bearer not-a-token-at-all' } })).status).toBe(401);
    expect((await upgradeStatus(s.port, { path: '/ws', headers: { authorization: `Bearer ${s.token}` } })).status).toBe(101);
    expect((await upgradeStatus(s.port, { path: '/ws/runner', headers: { authorization: `Bearer ${s.runnerToken}` } })).status).toBe(101);
    const userOnRunner = await upgradeStatus(s.port, { path: '/ws/runner', headers: { authorization: `Bearer ${s.token}` } });
    expect(userOnRunner.status).toBe(403);
    expect(JSON.parse(userOnRunner.body).error.code).toBe('wrong_credential');
    expect((await upgradeStatus(s.port, { path: '/ws', headers: { authorization: `Bearer ${s.runnerToken}` } })).status).toBe(403);
  });

  it('answers unknown paths without leaking: 401 under /api without a credential, the app shell for pages', async () => {
    for (const p of ['/api/nope', '/api/workflows/', '/api', '/ws/other', '/hooks', '/api/./workflows', '//api/workflows']) {
      const res = await rawRequest(s.port, { path: p });
      expect(res.status, p).toBe(401);
    }
    expect((await s.request('GET', '/api/nope')).status).toBe(404);
    for (const p of ['/chat', '/automation/workflows/wf_1', '/signin?reason=link', '/nowhere']) {
      const res = await rawRequest(s.port, { path: p });
      expect(res.status, p).toBe(200);
      expect(res.body).toBe(INDEX);
    }
    // A missing file is not a page: 404, no shell.
    expect((await rawRequest(s.port, { path: '/assets/missing.js' })).status).toBe(404);
  });

  it('serves the app at / without a credential, and the favicon', async () => {
    const root = await rawRequest(s.port, { path: '/' });
    expect(root.status).toBe(200);
    expect(root.body).toBe(INDEX);
    const icon = await rawRequest(s.port, { path: '/favicon.svg' });
    expect(icon.status).toBe(200);
    expect(icon.body).toBe(FAVICON);
  });

  it('says only { ok } on /api/health without a credential, and the version with one', async () => {
    expect((await s.request('GET', '/api/health', { token: null })).body).toEqual({ ok: true });
    expect((await s.request('GET', '/api/health')).body).toEqual({ ok: true, version: expect.any(String) });
  });
});
