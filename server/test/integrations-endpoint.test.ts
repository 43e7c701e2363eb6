import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcpHttp, type FakeMcpHttp } from './helpers/fake-mcp-http';
import { GITHUB_TOKEN, startFakeGithub, type FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

const STDIO_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/mcp-stdio-server.mjs');
const BEARER = 'endpoint-test-bearer-0123456789';

let s: TestServer;
let home: FakeMcpHttp;
let elsewhere: FakeMcpHttp;
let github: FakeService;
let otherGithub: FakeService;

beforeAll(async () => {
  [home, elsewhere, github, otherGithub] = await Promise.all([startFakeMcpHttp({ bearer: BEARER }), startFakeMcpHttp(), startFakeGithub(), startFakeGithub()]);
  s = await startServer();
});
afterAll(async () => {
  await s.close();
  await Promise.all([home.close(), elsewhere.close(), github.close(), otherGithub.close()]);
});

async function until(name: string, status: string) {
  let body: any;
  await waitUntil(
    async () => {
      body = (await s.request('GET', `/api/integrations/${name}`)).body;
      return body.status === status;
    },
    15_000,
    `${name} ${status} (last ${body?.status}: ${body?.statusReason})`,
  );
  return body;
}

describe('stored credentials are never sent to a new endpoint', () => {
  it('MCP url: a PATCH that moves it without credentials is refused, and the new endpoint never hears from Weft', async () => {
    const created = await s.request('POST', '/api/integrations', {
      body: { provider: 'mcp', name: 'ep', config: { url: home.url }, credentials: { headers: { authorization: `Bearer ${BEARER}` } } },
    });
    expect(created.status).toBe(201);
    await until('ep', 'ready');

    const moved = await s.request('PATCH', '/api/integrations/ep', { body: { config: { url: elsewhere.url } } });
    expect(moved.status).toBe(422);
    expect(moved.body.error).toMatchObject({
      code: 'credentials_required',
      message: expect.stringMatching(/^credentials: config\.url changed/),
      details: { fields: ['config.url'] },
    });
    expect((await s.request('GET', '/api/integrations/ep')).body).toMatchObject({ config: { url: home.url }, credentialFields: ['headers.authorization'] });
    // Other config changes keep the credentials, and they still go where they went.
    const calm = await s.request('PATCH', '/api/integrations/ep', { body: { config: { url: home.url, timeoutMs: 20_000 } } });
    expect(calm.status).toBe(200);
    expect(calm.body.credentialFields).toEqual(['headers.authorization']);
    await until('ep', 'ready');

    // Moving it while dropping the credentials: the new endpoint gets requests, none with them.
    const dropped = await s.request('PATCH', '/api/integrations/ep', { body: { config: { url: elsewhere.url }, credentials: null } });
    expect(dropped.status).toBe(200);
    expect(dropped.body.credentialFields).toEqual([]);
    await until('ep', 'ready');
    expect((await s.request('POST', '/api/tools/call', { body: { name: 'ep:greet', arguments: { name: 'Ada' } } })).status).toBe(200);
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests.map((h) => h.authorization)).toEqual(elsewhere.requests.map(() => undefined));
    expect(JSON.stringify(elsewhere.requests)).not.toContain(BEARER);
  });

  it('GitHub apiBaseUrl: refused without the token again; with it, the token goes to the new base', async () => {
    const created = await s.request('POST', '/api/integrations', {
      body: { provider: 'github', name: 'gh', config: { apiBaseUrl: github.url, owner: 'o', repo: 'r' }, credentials: { token: GITHUB_TOKEN } },
    });
    expect(created.status).toBe(201);
    await until('gh', 'ready');
    const moved = await s.request('PATCH', '/api/integrations/gh', { body: { config: { apiBaseUrl: otherGithub.url, owner: 'o', repo: 'r' } } });
    expect(moved.status).toBe(422);
    expect(moved.body.error).toMatchObject({ code: 'credentials_required', details: { fields: ['config.apiBaseUrl'] } });
    expect(moved.body.error.message).not.toContain('null');
    // Leaving apiBaseUrl out means the default (api.github.com): that is a new endpoint too.
    expect((await s.request('PATCH', '/api/integrations/gh', { body: { config: { owner: 'o', repo: 'r' } } })).body.error.code).toBe('credentials_required');
    expect(otherGithub.requests).toEqual([]);
    expect((await s.request('PATCH', '/api/integrations/gh', { body: { config: { apiBaseUrl: github.url, owner: 'o2', repo: 'r' } } })).status).toBe(200);

    const given = await s.request('PATCH', '/api/integrations/gh', {
      body: { config: { apiBaseUrl: otherGithub.url, owner: 'o', repo: 'r' }, credentials: { token: GITHUB_TOKEN } },
    });
    expect(given.status).toBe(200);
    await until('gh', 'ready');
    expect(otherGithub.requests[0]!.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
  });

  it('MCP stdio: the command, its arguments, working directory and environment are the endpoint', async () => {
    const created = await s.request('POST', '/api/integrations', {
      body: {
        provider: 'mcp',
        name: 'st',
        config: { command: process.execPath, args: [STDIO_SERVER], env: { MODE: 'a' } },
        credentials: { env: { FIXTURE_TOKEN: 'stdio-secret-0123456789' } },
      },
    });
    expect(created.status).toBe(201);
    for (const [config, field] of [
      [{ command: 'sh', args: [STDIO_SERVER], env: { MODE: 'a' } }, 'config.command'],
      [{ command: process.execPath, args: [STDIO_SERVER, '--other'], env: { MODE: 'a' } }, 'config.args'],
      [{ command: process.execPath, args: [STDIO_SERVER], env: { MODE: 'a', NODE_OPTIONS: '--require ./steal.js' } }, 'config.env'],
      [{ command: process.execPath, args: [STDIO_SERVER], env: { MODE: 'a' }, cwd: '/tmp' }, 'config.cwd'],
    ] as const) {
      const res = await s.request('PATCH', '/api/integrations/st', { body: { config } });
      expect(res.status, field).toBe(422);
      expect(res.body.error.details.fields).toEqual([field]);
    }
    // The same settings in another key order are not a change.
    expect(
      (
        await s.request('PATCH', '/api/integrations/st', {
          body: { config: { env: { MODE: 'a' }, args: [STDIO_SERVER], command: process.execPath, timeoutMs: 10_000 } },
        })
      ).status,
    ).toBe(200);
  });
});
