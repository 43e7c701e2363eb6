import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig } from '../src/config';
import { CONTENT_SECURITY_POLICY } from '../src/http/security-headers';
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
    // Public, but says nothing but that it is up.
    const health = await s.request('GET', '/api/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true });
  });

  it('accepts the bearer token', async () => {
    expect((await s.request('GET', '/api/workflows')).status).toBe(200);
  });

  it('signs a browser in once through the login URL, landing on /chat with an HttpOnly SameSite=Strict session cookie', async () => {
    const loginUrl = new URL(s.app.auth.loginUrl());
    const first = await rawRequest(s.port, { path: loginUrl.pathname + loginUrl.search });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/chat');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^weft_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect(cookie).not.toContain(s.token);
    const pair = cookie.split(';')[0]!;
    const withCookie = await s.request('GET', '/api/workflows', { token: null, headers: { cookie: pair } });
    expect(withCookie.status).toBe(200);

    const again = await rawRequest(s.port, { path: loginUrl.pathname + loginUrl.search });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/signin?reason=link');
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('a fresh sign-in link replaces the earlier unused one: only the newest printed link works', async () => {
    const older = new URL(s.app.auth.loginUrl());
    const newer = new URL(s.app.auth.loginUrl());
    const stale = await rawRequest(s.port, { path: older.pathname + older.search });
    expect(stale.headers.location).toBe('/signin?reason=link');
    expect(stale.headers['set-cookie']).toBeUndefined();
    const fresh = await rawRequest(s.port, { path: newer.pathname + newer.search });
    expect(fresh.headers.location).toBe('/chat');
  });

  it('signs in with the token through POST /auth/login and refuses a wrong one', async () => {
    const bad = await s.request('POST', '/auth/login', { token: null, body: { token: 'not-the-token-at-all' } });
    expect(bad.status).toBe(401);
    const good = await s.request('POST', '/auth/login', { token: null, body: { token: s.token } });
    expect(good.status).toBe(204);
    expect(good.headers.get('set-cookie')).toMatch(/^weft_session=.*HttpOnly/i);
    // The old token-in-a-URL sign-in is gone: the token never travels in a URL.
    const byUrl = await rawRequest(s.port, { path: `/login?token=${encodeURIComponent(s.token)}` });
    expect(byUrl.status).toBe(303);
    expect(byUrl.headers.location).toBe('/signin?reason=link');
    expect(byUrl.headers['set-cookie']).toBeUndefined();
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
    const runnerToken = app.auth.runnerToken;
    const code = new URL(app.auth.loginUrl()).searchParams.get('code')!;
    await rawRequest(port, { path: '/api/workflows', headers: { authorization: `Bearer ${token}` } });
    await rawRequest(port, { path: '/ws/runner', headers: { authorization: `Bearer ${runnerToken}` } });
    const login = await rawRequest(port, { path: `/login?code=${code}` });
    const session = String(login.headers['set-cookie']).split(';')[0]!;
    await rawRequest(port, { path: '/api/workflows', headers: { cookie: session } });
    await rawRequest(port, { method: 'POST', path: '/auth/login', body: JSON.stringify({ token }), headers: { 'content-type': 'application/json' } });
    await app.close();
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain('/api/workflows');
    expect(log).not.toContain(token);
    expect(log).not.toContain(runnerToken);
    expect(log).not.toContain(code);
    expect(log).not.toContain(session.split('=')[1]!);
  });

  it('listens on 127.0.0.1 by default', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({}).port).toBe(8787);
  });
});

describe('response headers', () => {
  const expectHeaders = (headers: Record<string, unknown>, what: string) => {
    expect(headers['content-security-policy'], what).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['referrer-policy'], what).toBe('same-origin');
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['cross-origin-opener-policy'], what).toBe('same-origin');
  };

  it('are on app pages, API answers, errors and refusals alike', async () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/(^|; )default-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    const auth = { authorization: `Bearer ${s.token}` };
    const cases: [string, Parameters<typeof rawRequest>[1]][] = [
      ['page /', { path: '/' }],
      ['page /chat', { path: '/chat' }],
      ['API 200', { path: '/api/workflows', headers: auth }],
      ['API 401', { path: '/api/workflows' }],
      ['API 404', { path: '/api/nope', headers: auth }],
      ['API 400 target', { path: '/%61pi/workflows' }],
      ['redirect', { path: '/login?code=nope' }],
      ['foreign host', { path: '/api/health', headers: { host: 'evil.example' } }],
    ];
    for (const [what, req] of cases) expectHeaders((await rawRequest(s.port, req)).headers, what);
  });
});

describe('HTTPS behind a trusted proxy', () => {
  const signIn = (t: TestServer, headers: Record<string, string> = {}) =>
    rawRequest(t.port, {
      method: 'POST',
      path: '/auth/login',
      body: JSON.stringify({ token: t.token }),
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('marks the cookie Secure only when a proxy named in WEFT_TRUST_PROXY says X-Forwarded-Proto: https', async () => {
    const proxied = await startServer({ env: { WEFT_TRUST_PROXY: '127.0.0.1' } });
    try {
      expect(String((await signIn(proxied, { 'x-forwarded-proto': 'https' })).headers['set-cookie'])).toMatch(/; Secure/i);
      expect(String((await signIn(proxied, { 'x-forwarded-proto': 'http' })).headers['set-cookie'])).not.toMatch(/Secure/i);
      expect(String((await signIn(proxied)).headers['set-cookie'])).not.toMatch(/Secure/i);
    } finally {
      await proxied.close();
    }
    // Without the setting the header is anybody's word: ignored.
    expect(String((await signIn(s, { 'x-forwarded-proto': 'https' })).headers['set-cookie'])).not.toMatch(/Secure/i);
    // A proxy list that does not include the peer is not trusted either.
    const elsewhere = await startServer({ env: { WEFT_TRUST_PROXY: '10.0.0.0/8' } });
    try {
      expect(String((await signIn(elsewhere, { 'x-forwarded-proto': 'https' })).headers['set-cookie'])).not.toMatch(/Secure/i);
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses a WEFT_TRUST_PROXY that is not addresses or ranges', () => {
    expect(() => loadConfig({ WEFT_TRUST_PROXY: 'everyone' })).toThrow(/WEFT_TRUST_PROXY="everyone": must be a comma list/);
    expect(() => loadConfig({ WEFT_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/WEFT_TRUST_PROXY/);
    expect(loadConfig({ WEFT_TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).trustedProxies).toEqual(['loopback', '10.0.0.0/8', '::1']);
  });
});

describe('sign-in rate limit', () => {
  const post = (t: TestServer, token: string, headers: Record<string, string> = {}) =>
    rawRequest(t.port, { method: 'POST', path: '/auth/login', body: JSON.stringify({ token }), headers: { 'content-type': 'application/json', ...headers } });

  it('answers 429 with Retry-After after too many failures from one address, even for the right token, on the form and the link', async () => {
    const t = await startServer();
    try {
      const max = t.app.auth.signInLimiter.maxFailures;
      for (let i = 0; i < max; i++) {
        // Spoofed X-Forwarded-For from an untrusted peer changes nothing.
        expect((await post(t, `wrong-token-${i}-0123456789`, { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(401);
      }
      const limited = await post(t, 'wrong-token-again-0123456789');
      expect(limited.status).toBe(429);
      expect(JSON.parse(limited.body).error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await post(t, t.token)).status).toBe(429);
      const link = await rawRequest(t.port, { path: `/login?code=${new URL(t.app.auth.loginUrl()).searchParams.get('code')}` });
      expect(link.status).toBe(429);
      expect(link.headers['content-type']).toMatch(/text\/html/);
      expect(Number(link.headers['retry-after'])).toBeGreaterThan(0);
      // Other credentials are unaffected: the bearer token still works.
      expect((await t.request('GET', '/api/workflows')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('counts failed login links too, and per client address behind a trusted proxy', async () => {
    const t = await startServer({ env: { WEFT_TRUST_PROXY: 'loopback' } });
    try {
      const max = t.app.auth.signInLimiter.maxFailures;
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      for (let i = 0; i < max; i++) expect((await rawRequest(t.port, { path: `/login?code=bad${i}`, headers: from('198.51.100.7') })).status).toBe(303);
      expect((await rawRequest(t.port, { path: '/login?code=bad', headers: from('198.51.100.7') })).status).toBe(429);
      expect((await post(t, t.token, from('198.51.100.7'))).status).toBe(429);
      expect((await post(t, t.token, from('198.51.100.8'))).status).toBe(204);
    } finally {
      await t.close();
    }
  });
});

describe('listening address', () => {
  it('decides loopback by parsing the address, not by its spelling', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['127.example.com', '127.0.0.1.nip.io', '0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example', '::2'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('stops at start-up on a non-loopback HOST without WEFT_ALLOWED_HOSTS, naming the variable to set', () => {
    for (const host of ['0.0.0.0', '127.example.com', '192.168.1.10']) {
      expect(() => loadConfig({ HOST: host }), host).toThrow(/HOST=.*WEFT_ALLOWED_HOSTS/);
    }
    expect(loadConfig({ HOST: '0.0.0.0', WEFT_ALLOWED_HOSTS: 'weft.example.com' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '127.0.0.2' }).host).toBe('127.0.0.2');
  });
});
