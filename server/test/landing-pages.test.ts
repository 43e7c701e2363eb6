import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './helpers/raw-http';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/** Issue 17 §1: signing in lands on the app, and no address a person opens answers with raw JSON. */

const INDEX = '<!doctype html><title>Weft</title><div id="root"></div>';
let s: TestServer;
beforeAll(async () => {
  const dir = makeDataDir();
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  s = await startServer({ env: { WEFT_CLIENT_DIR: dir } });
});
afterAll(() => s.close());

const NAVIGATE = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const code = () => new URL(s.app.auth.loginUrl()).searchParams.get('code')!;

describe('landing', () => {
  it('the printed link lands on /chat, which serves the app', async () => {
    const link = await rawRequest(s.port, { path: `/login?code=${code()}`, headers: NAVIGATE });
    expect(link.status).toBe(303);
    expect(link.headers.location).toBe('/chat');
    const cookie = String(link.headers['set-cookie']).split(';')[0]!;
    const chat = await rawRequest(s.port, { path: '/chat', headers: { ...NAVIGATE, cookie } });
    expect(chat.status).toBe(200);
    expect(chat.body).toBe(INDEX);
  });

  it('the link keeps where the person was going, never another site', async () => {
    expect((await rawRequest(s.port, { path: `/login?code=${code()}&next=${encodeURIComponent('/approvals?x=1')}` })).headers.location).toBe('/approvals?x=1');
    expect((await rawRequest(s.port, { path: `/login?code=${code()}&next=${encodeURIComponent('//evil.example')}` })).headers.location).toBe('/chat');
  });

  it('/ and any page path serve the app, signed in or not', async () => {
    for (const p of ['/', '/chat', '/automation/workflows/wf_x', '/signin?reason=link']) {
      const res = await rawRequest(s.port, { path: p, headers: NAVIGATE });
      expect(res.status, p).toBe(200);
      expect(res.body, p).toBe(INDEX);
    }
  });
});

describe('no raw JSON for a person', () => {
  it.each([
    ['/hooks/some/path', 401, 'Sign in first'],
    ['/missing.png', 401, 'Sign in first'],
  ])('a navigation to %s is a readable page (%i)', async (p, status, title) => {
    const res = await rawRequest(s.port, { path: p, headers: NAVIGATE });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain(`<h1>${title}</h1>`);
    expect(res.body).not.toContain('"error"');
  });

  it('signed in, an unknown non-page address is a "Nothing here" page', async () => {
    const res = await rawRequest(s.port, { path: '/hooks/nope', headers: { ...NAVIGATE, authorization: `Bearer ${s.token}` } });
    expect(res.status).toBe(404);
    expect(res.body).toContain('<h1>Nothing here</h1>');
    expect(res.body).toContain('href="/"');
  });

  it('a refused Host reads as a sentence, escaped', async () => {
    const res = await rawRequest(s.port, { path: '/chat', headers: { ...NAVIGATE, host: 'evil<b>.example' } });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<h1>Not allowed</h1>');
    expect(res.body).not.toContain('<b>');
  });

  it('API routes and scripts keep JSON, even with an HTML Accept', async () => {
    const api = await rawRequest(s.port, { path: '/api/workflows', headers: NAVIGATE });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error.code).toBe('unauthorized');
    const script = await rawRequest(s.port, { path: '/hooks/x', headers: { 'sec-fetch-mode': 'cors', accept: 'text/html' } });
    expect(JSON.parse(script.body).error.code).toBe('unauthorized');
  });
});
