import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { buildServer } from '../src/server';
import { rawRequest } from './helpers/raw-http';
import { makeDataDir, minimalDefinition, startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { WEFT_ALLOWED_HOSTS: 'weft.internal.test' } });
});
afterAll(() => s.close());

describe('token auth', () => {
  it('refuses /api without a token, with a wrong one, and with a malformed header', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: 'Basic abc' }]) {
      const res = await s.request('GET', '/api/workflows', { token: null, headers });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const health = await s.request('GET', '/api/health', { token: null });
    expect(health.status).toBe(401);
  });

  it('accepts the bearer token', async () => {
    expect((await s.request('GET', '/api/workflows')).status).toBe(200);
  });

  it('signs a browser in once through the login URL with an HttpOnly SameSite=Strict cookie', async () => {
    const loginUrl = new URL(s.app.auth.loginUrl());
    const first = await rawRequest(s.port, { path: loginUrl.pathname + loginUrl.search });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/weft_token=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const pair = cookie.split(';')[0]!;
    const withCookie = await s.request('GET', '/api/workflows', { token: null, headers: { cookie: pair } });
    expect(withCookie.status).toBe(200);

    const again = await rawRequest(s.port, { path: loginUrl.pathname + loginUrl.search });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/signin?reason=link');
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('signs in with the token through POST /auth/login and refuses a wrong one', async () => {
    const bad = await s.request('POST', '/auth/login', { token: null, body: { token: 'not-the-token-at-all' } });
    expect(bad.status).toBe(401);
    const good = await s.request('POST', '/auth/login', { token: null, body: { token: s.token } });
    expect(good.status).toBe(204);
    expect(good.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  });

  it('stores a generated token 0600 in the data dir and reuses it after a restart', async () => {
    const dataDir = makeDataDir();
    const a = await startServer({ dataDir });
    const file = path.join(dataDir, 'token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(a.token);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await a.close();
    const b = await startServer({ dataDir });
    expect(b.token).toBe(a.token);
    await b.close();
  });

  it('uses WEFT_TOKEN when set', async () => {
    const fixed = 'fixed-token-for-tests-123456';
    const f = await startServer({ env: { WEFT_TOKEN: fixed } });
    expect((await f.request('GET', '/api/health', { token: fixed })).status).toBe(200);
    await f.close();
  });
});

describe('Host and Origin checks', () => {
  it('refuses a foreign Host (DNS rebinding) with 403 even with a valid token', async () => {
    const res = await rawRequest(s.port, {
      path: '/api/workflows',
      headers: { host: `attacker.example:${s.port}`, authorization: `Bearer ${s.token}` },
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('forbidden_host');
  });

  it('refuses a loopback name on another port and accepts localhost, [::1] and WEFT_ALLOWED_HOSTS', async () => {
    const auth = { authorization: `Bearer ${s.token}` };
    expect((await rawRequest(s.port, { path: '/api/health', headers: { host: `localhost:${s.port + 1}`, ...auth } })).status).toBe(403);
    for (const host of [`localhost:${s.port}`, `[::1]:${s.port}`, `127.0.0.1:${s.port}`, 'weft.internal.test', `weft.internal.test:443`]) {
      expect((await rawRequest(s.port, { path: '/api/health', headers: { host, ...auth } })).status, host).toBe(200);
    }
  });

  it('refuses a cross-origin POST with 403 and accepts a same-origin one', async () => {
    const body = JSON.stringify({ definition: minimalDefinition() });
    const headers = { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' };
    const cross = await rawRequest(s.port, { method: 'POST', path: '/api/workflows', body, headers: { ...headers, origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.body).error.code).toBe('forbidden_origin');
    const nullOrigin = await rawRequest(s.port, { method: 'POST', path: '/api/workflows', body, headers: { ...headers, origin: 'null' } });
    expect(nullOrigin.status).toBe(403);
    const same = await rawRequest(s.port, { method: 'POST', path: '/api/workflows', body, headers: { ...headers, origin: `http://127.0.0.1:${s.port}` } });
    expect(same.status).toBe(201);
    const fetchMeta = await rawRequest(s.port, { method: 'POST', path: '/api/workflows', body, headers: { ...headers, 'sec-fetch-site': 'cross-site' } });
    expect(fetchMeta.status).toBe(403);
  });

  it('refuses a cross-origin login POST too', async () => {
    const res = await rawRequest(s.port, {
      method: 'POST',
      path: '/auth/login',
      body: JSON.stringify({ token: s.token }),
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
  });
});

describe('limits and logging', () => {
  it('applies WEFT_BODY_LIMIT', async () => {
    const small = await startServer({ env: { WEFT_BODY_LIMIT: '2048' } });
    const res = await small.request('POST', '/api/workflows/validate', { body: { definition: { name: 'y'.repeat(3000) } } });
    expect(res.status).toBe(413);
    await small.close();
  });

  it('never writes the token to the log, even at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const config = loadConfig({ PORT: '0', WEFT_LOG_LEVEL: 'trace', WEFT_DATA_DIR: makeDataDir() });
    const app = await buildServer({ config, logStream: sink });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const token = app.auth.token;
    const code = new URL(app.auth.loginUrl()).searchParams.get('code')!;
    await rawRequest(port, { path: '/api/workflows', headers: { authorization: `Bearer ${token}` } });
    await rawRequest(port, { path: `/login?code=${code}` });
    await rawRequest(port, { path: `/login?token=${token}` });
    await rawRequest(port, { path: '/api/workflows', headers: { cookie: `weft_token=${token}` } });
    await rawRequest(port, { method: 'POST', path: '/auth/login', body: JSON.stringify({ token }), headers: { 'content-type': 'application/json' } });
    await app.close();
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain('/api/workflows');
    expect(log).not.toContain(token);
    expect(log).not.toContain(code);
  });

  it('listens on 127.0.0.1 by default', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({}).port).toBe(8787);
  });
});
