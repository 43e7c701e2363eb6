import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { SECRET_KEY_FILE } from '../src/integrations/credentials';
import { buildServer } from '../src/server';
import { startFakeMcpHttp, type FakeMcpHttp } from './helpers/fake-mcp-http';
import { GITHUB_TOKEN, SLACK_TOKEN, startFakeGithub, startFakeSlack, type FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { makeDataDir, startServer } from './helpers/server';

const STDIO_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/mcp-stdio-server.mjs');
const WEBHOOK_SECRET = 'good-T0001-B0002-webhooksecretpart';
const FIXTURE_TOKEN = 'stdio-env-secret-value-0123456789';
const HTTP_BEARER = 'http-bearer-secret-value-0123456789';
const SECRETS = [GITHUB_TOKEN, SLACK_TOKEN, WEBHOOK_SECRET, FIXTURE_TOKEN, HTTP_BEARER];

describe('credentials never leave the server', () => {
  let github: FakeService;
  let slack: FakeService;
  let mcpHttp: FakeMcpHttp;
  let app: FastifyInstance;
  let base: string;
  let token: string;
  const dataDir = makeDataDir();
  const lines: string[] = [];
  const bodies: string[] = [];

  async function request(method: string, p: string, body?: unknown) {
    const res = await fetch(base + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
  }
  const until = (name: string, statuses: string[]) =>
    waitUntil(async () => statuses.includes((await request('GET', `/api/integrations/${name}`)).body.status), 15_000, `${name} ${statuses.join('|')}`);

  beforeAll(async () => {
    [github, slack, mcpHttp] = await Promise.all([startFakeGithub(), startFakeSlack(), startFakeMcpHttp({ bearer: HTTP_BEARER })]);
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const config = loadConfig({ PORT: '0', WEFT_LOG_LEVEL: 'trace', WEFT_DATA_DIR: dataDir });
    app = await buildServer({ config, logStream: sink });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    token = app.auth.token;
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([github.close(), slack.close(), mcpHttp.close()]);
  });

  it('in no API response, event or log line, whatever happens; and not in the database in plaintext', async () => {
    const created = [
      await request('POST', '/api/integrations', {
        provider: 'github',
        name: 'gh',
        config: { apiBaseUrl: github.url, owner: 'o', repo: 'r' },
        credentials: { token: GITHUB_TOKEN },
      }),
      await request('POST', '/api/integrations', {
        provider: 'slack',
        name: 'sl',
        config: { apiBaseUrl: `${slack.url}/api`, defaultChannel: 'C1' },
        credentials: { botToken: SLACK_TOKEN, webhookUrl: `${slack.url}/hooks/${WEBHOOK_SECRET}` },
      }),
      await request('POST', '/api/integrations', {
        provider: 'mcp',
        name: 'local',
        config: { command: process.execPath, args: [STDIO_SERVER] },
        credentials: { env: { FIXTURE_TOKEN } },
      }),
      await request('POST', '/api/integrations', {
        provider: 'mcp',
        name: 'remote',
        config: { url: mcpHttp.url },
        credentials: { headers: { authorization: `Bearer ${HTTP_BEARER}` } },
      }),
    ];
    for (const c of created) expect(c.status, JSON.stringify(c.body)).toBe(201);
    await Promise.all(['gh', 'sl', 'local', 'remote'].map((n) => until(n, ['ready'])));

    // Successes, failures of every kind, re-checks and edits.
    await request('POST', '/api/tools/call', { name: 'gh:list_issues', arguments: {} });
    await request('POST', '/api/tools/call', { name: 'sl:send_message', arguments: { text: 'hi' } });
    await request('POST', '/api/tools/call', { name: 'local:env_check', arguments: {} });
    await request('POST', '/api/tools/call', { name: 'remote:greet', arguments: { name: 'x' } });
    for (const mode of ['unauthorized', 'broken'] as const) {
      github.mode = mode;
      slack.mode = mode;
      await request('POST', '/api/tools/call', { name: 'gh:get_issue', arguments: { number: 1 } });
      await request('POST', '/api/tools/call', { name: 'sl:send_message', arguments: { text: 'hi', channel: 'C1' } });
      await request('POST', '/api/integrations/gh/check');
      await request('POST', '/api/integrations/sl/check');
    }
    github.mode = 'ok';
    slack.mode = 'ok';
    await request('PATCH', '/api/integrations/sl', { credentials: { webhookUrl: `${slack.url}/hooks/${WEBHOOK_SECRET}` } });
    await until('sl', ['ready']);
    await request('POST', '/api/tools/call', { name: 'sl:send_message', arguments: { text: 'via hook' } });
    await request('PATCH', '/api/integrations/remote', { credentials: { headers: { authorization: `Bearer ${HTTP_BEARER}-wrong` } } });
    await until('remote', ['error']);
    await request('POST', '/api/tools/call', { name: 'local:fail', arguments: {} });
    await request('GET', '/api/integrations');
    for (const n of ['gh', 'sl', 'local', 'remote']) await request('GET', `/api/integrations/${n}`);
    await request('GET', '/api/tools');
    await request('GET', '/api/events?topic=integrations&limit=1000');

    expect(bodies.length).toBeGreaterThan(20);
    const everything = bodies.join('\n');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    const log = lines.join('');
    expect(log).toContain('/api/integrations');
    for (const secret of SECRETS) expect(log).not.toContain(secret);

    // At rest: sealed envelopes only, in the database file and its WAL alike.
    const rows = app.db.prepare<[], { credentials: string }>('SELECT credentials FROM integrations').all();
    for (const r of rows) expect(r.credentials).toMatch(/^v1:/);
    const files = fs.readdirSync(dataDir).filter((f) => f.startsWith('weft.db'));
    for (const f of files) {
      const raw = fs.readFileSync(path.join(dataDir, f)).toString('latin1');
      for (const secret of SECRETS) expect(raw.includes(secret), `${secret} in ${f}`).toBe(false);
    }
    expect(fs.statSync(path.join(dataDir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
  });
});

describe('the secret key', () => {
  it('WEFT_SECRET_KEY seals credentials; with another key they cannot be opened and the integration says so', async () => {
    const github = await startFakeGithub();
    const dataDir = makeDataDir();
    const keyA = 'a'.repeat(64);
    try {
      const a = await startServer({ dataDir, env: { WEFT_SECRET_KEY: keyA } });
      await a.request('POST', '/api/integrations', {
        body: { provider: 'github', name: 'gh', config: { apiBaseUrl: github.url }, credentials: { token: GITHUB_TOKEN } },
      });
      await waitUntil(async () => (await a.request('GET', '/api/integrations/gh')).body.status === 'ready', 10_000, 'ready');
      await a.close();
      expect(fs.existsSync(path.join(dataDir, SECRET_KEY_FILE))).toBe(false);

      const b = await startServer({ dataDir, env: { WEFT_SECRET_KEY: 'a different passphrase that is long enough' } });
      await waitUntil(async () => (await b.request('GET', '/api/integrations/gh')).body.status === 'error', 10_000, 'error');
      expect((await b.request('GET', '/api/integrations/gh')).body.statusReason).toMatch(/cannot be decrypted/);
      await b.close();

      const c = await startServer({ dataDir, env: { WEFT_SECRET_KEY: keyA } });
      await waitUntil(async () => (await c.request('GET', '/api/integrations/gh')).body.status === 'ready', 10_000, 'ready again');
      await c.close();
    } finally {
      await github.close();
    }
  });

  it('a short WEFT_SECRET_KEY is a configuration error that does not echo the value', () => {
    expect(() => loadConfig({ WEFT_SECRET_KEY: 'short-secret' })).toThrow(/WEFT_SECRET_KEY=\[redacted\]: must be at least 32/);
    try {
      loadConfig({ WEFT_SECRET_KEY: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
  });
});

describe('POST /api/integrations fuzz', () => {
  it('never answers 500, whatever the body', async () => {
    // Stdio is refused on this server, and every URL points at a closed loopback port: nothing runs, nothing leaves.
    const s = await startServer({ env: { WEFT_ALLOW_BASH: '0' }, config: { integrationCheckMs: 3_600_000 } });
    try {
      const url = fc.constantFrom('http://127.0.0.1:1', 'http://127.0.0.1:1/api/v3', 'ftp://127.0.0.1', 'not a url', '', 'http://');
      const name = fc.oneof(
        fc.constantFrom('gh', 'workflows', 'a__b', 'Slack', 'x'.repeat(41), ''),
        fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/),
        fc.string({ maxLength: 20 }),
      );
      const structured = fc.record(
        {
          provider: fc.oneof(fc.constantFrom('mcp', 'slack', 'github', 'jira', ''), fc.anything()),
          name: fc.oneof(name, fc.anything()),
          config: fc.oneof(
            fc.record(
              { apiBaseUrl: url, owner: fc.string({ maxLength: 5 }), channels: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }) },
              { requiredKeys: [] },
            ),
            fc.record(
              {
                command: fc.constantFrom('/nonexistent/mcp-server'),
                args: fc.array(fc.string({ maxLength: 5 })),
                url,
                headers: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })),
              },
              { requiredKeys: [] },
            ),
            fc.anything(),
          ),
          credentials: fc.oneof(
            fc.record(
              {
                token: fc.string({ maxLength: 10 }),
                botToken: fc.string({ maxLength: 10 }),
                webhookUrl: url,
                env: fc.dictionary(fc.string({ maxLength: 5 }), fc.anything()),
              },
              { requiredKeys: [] },
            ),
            fc.anything(),
          ),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(structured, fc.anything(), fc.constantFrom('{', '[]', 'null', '"x"', '{"__proto__":{"provider":"github"}}')),
          async (body) => {
            const res =
              typeof body === 'string' && body.length < 40 && /^[{["n]/.test(body)
                ? await s.request('POST', '/api/integrations', { raw: body, headers: { 'content-type': 'application/json' } })
                : await s.request('POST', '/api/integrations', { body: body === undefined ? null : body });
            expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
            if (res.status === 201) {
              expect((await s.request('DELETE', `/api/integrations/${encodeURIComponent(res.body.name)}?force=true`)).status).toBe(204);
            } else {
              expect(res.body.error.code).toEqual(expect.any(String));
            }
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      await s.close();
    }
  });
});
