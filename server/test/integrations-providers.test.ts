import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/live-client';
import { GITHUB_TOKEN, SLACK_TOKEN, startFakeGithub, startFakeSlack, type FakeService } from './helpers/fake-services';
import { startServer, type TestServer } from './helpers/server';

let s: TestServer;
let github: FakeService;
let slack: FakeService;

beforeAll(async () => {
  [github, slack] = await Promise.all([startFakeGithub(), startFakeSlack()]);
  s = await startServer();
});
afterAll(async () => {
  await s.close();
  await Promise.all([github.close(), slack.close()]);
});

async function statusOf(name: string, want: string | string[]) {
  const wanted = Array.isArray(want) ? want : [want];
  let body: any;
  await waitUntil(
    async () => {
      body = (await s.request('GET', `/api/integrations/${name}`)).body;
      return wanted.includes(body.status);
    },
    10_000,
    `${name} to be ${wanted.join('|')} (last: ${JSON.stringify(body?.status)})`,
  );
  return body;
}

const call = (name: string, args: unknown) => s.request('POST', '/api/tools/call', { body: { name, arguments: args } });

describe('integrations CRUD', () => {
  it('creates, lists, reads, patches and deletes; names are unique; credentials are never returned', async () => {
    github.mode = 'ok';
    const created = await s.request('POST', '/api/integrations', {
      body: { provider: 'github', name: 'gh-crud', config: { apiBaseUrl: github.url, owner: 'o', repo: 'r' }, credentials: { token: GITHUB_TOKEN } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      name: 'gh-crud',
      provider: 'github',
      status: 'pending',
      config: { apiBaseUrl: github.url, owner: 'o', repo: 'r' },
      credentialFields: ['token'],
      capabilities: ['list_issues', 'get_issue', 'create_comment'],
      tools: ['gh-crud:list_issues', 'gh-crud:get_issue', 'gh-crud:create_comment'],
      latestSyncExecutionId: null,
      lastSyncError: null,
    });
    expect(JSON.stringify(created.body)).not.toContain(GITHUB_TOKEN);

    const ready = await statusOf('gh-crud', 'ready');
    expect(ready).toMatchObject({ statusReason: null, checkedAt: expect.any(String) });

    const dup = await s.request('POST', '/api/integrations', { body: { provider: 'github', name: 'gh-crud', credentials: { token: 'x' } } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('integration_exists');

    const list = await s.request('GET', '/api/integrations');
    expect(list.body.integrations.map((i: any) => i.name)).toContain('gh-crud');

    const badPatch = await s.request('PATCH', '/api/integrations/gh-crud', { body: { config: { apiBaseUrl: 'not a url' } } });
    expect(badPatch.status).toBe(422);
    expect(badPatch.body.error.message).toMatch(/config\.apiBaseUrl/);

    const patched = await s.request('PATCH', '/api/integrations/gh-crud', { body: { credentials: { token: 'wrong-token-value' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toBe('pending');
    const rejected = await statusOf('gh-crud', 'error');
    expect(rejected.statusReason).toMatch(/credentials rejected \(HTTP 401\)/);

    await s.request('PATCH', '/api/integrations/gh-crud', { body: { credentials: { token: GITHUB_TOKEN } } });
    await statusOf('gh-crud', 'ready');

    expect((await s.request('DELETE', '/api/integrations/gh-crud')).status).toBe(204);
    expect((await s.request('GET', '/api/integrations/gh-crud')).status).toBe(404);
    const tools = await s.request('GET', '/api/tools');
    expect(tools.body.tools.map((t: any) => t.name).filter((n: string) => n.startsWith('gh-crud:'))).toEqual([]);
    expect((await s.request('DELETE', '/api/integrations/gh-crud')).status).toBe(404);
  });

  it('refuses bad bodies with 422 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ provider: 'jira', name: 'x', config: {} }, /provider must be one of/],
      [{ provider: 'github', name: 'Bad Name', credentials: { token: 't' } }, /name/],
      [{ provider: 'github', name: 'workflows', credentials: { token: 't' } }, /reserved/],
      [{ provider: 'github', name: 'g' }, /credentials/],
      [{ provider: 'slack', name: 's', credentials: {} }, /bot token/],
      [{ provider: 'mcp', name: 'm', config: { command: 'x', url: 'http://127.0.0.1:1' } }, /exactly one/],
      [{ provider: 'github', name: 'g', credentials: { token: 't' }, extra: 1 }, /extra/],
    ];
    for (const [body, message] of cases) {
      const res = await s.request('POST', '/api/integrations', { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.message).toMatch(message);
    }
  });
});

describe('github', () => {
  beforeAll(async () => {
    github.mode = 'ok';
    const res = await s.request('POST', '/api/integrations', {
      body: { provider: 'github', name: 'github', config: { apiBaseUrl: github.url, owner: 'o', repo: 'r' }, credentials: { token: GITHUB_TOKEN } },
    });
    expect(res.status).toBe(201);
    await statusOf('github', 'ready');
  });

  it('list_issues, get_issue and create_comment against the API base URL', async () => {
    const list = await call('github:list_issues', { state: 'open', limit: 10 });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.result.issues).toEqual([
      expect.objectContaining({ number: 1, title: 'First bug', author: 'ada', labels: ['bug'], isPullRequest: false }),
      expect.objectContaining({ number: 2, isPullRequest: true }),
    ]);
    const sent = github.requests.findLast((r) => r.path === '/repos/o/r/issues')!;
    expect(sent.query.get('per_page')).toBe('10');
    expect(sent.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);

    const one = await call('github:get_issue', { number: 1 });
    expect(one.body.result).toMatchObject({ number: 1, body: 'It breaks', state: 'open' });

    const comment = await call('github:create_comment', { owner: 'o', repo: 'r', number: 1, body: 'Looking into it' });
    expect(comment.body.result).toEqual({ id: 99, url: expect.stringContaining('#issuecomment-99'), createdAt: '2025-02-01T00:00:00Z' });
    expect(github.requests.findLast((r) => r.method === 'POST')!.body).toEqual({ body: 'Looking into it' });
  });

  it('argument errors are 422 from the tool schema; a missing issue is 404', async () => {
    const bad = await call('github:get_issue', { number: 'one' });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'invalid_arguments', message: expect.stringMatching(/^number:/) });
    const missing = await call('github:get_issue', { number: 404 });
    expect(missing.status).toBe(404);
    const noRepo = await call('github:list_issues', { owner: 'o', repo: 'r' });
    expect(noRepo.status).toBe(200);
  });

  it('a 5xx makes it degraded, a 401 an error, and a success ready again', async () => {
    github.mode = 'broken';
    const failed = await call('github:list_issues', {});
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('integration_failed');
    let view = (await s.request('GET', '/api/integrations/github')).body;
    expect(view).toMatchObject({ status: 'degraded', statusReason: expect.stringMatching(/HTTP 503/) });

    github.mode = 'unauthorized';
    const denied = await call('github:get_issue', { number: 1 });
    expect(denied.status).toBe(424);
    expect(denied.body.error.code).toBe('integration_auth_failed');
    view = (await s.request('GET', '/api/integrations/github')).body;
    expect(view).toMatchObject({ status: 'error', statusReason: expect.stringMatching(/credentials rejected/) });

    github.mode = 'ok';
    expect((await call('github:get_issue', { number: 1 })).status).toBe(200);
    expect((await s.request('GET', '/api/integrations/github')).body.status).toBe('ready');
  });

  it('health checks: 5xx -> degraded, 401 -> error, unreachable -> error; journaled on topic integrations', async () => {
    github.mode = 'broken';
    let res = await s.request('POST', '/api/integrations/github/check');
    expect(res.body).toMatchObject({ status: 'degraded', statusReason: expect.stringMatching(/HTTP 503/) });
    github.mode = 'unauthorized';
    res = await s.request('POST', '/api/integrations/github/check');
    expect(res.body).toMatchObject({ status: 'error', statusReason: expect.stringMatching(/HTTP 401/) });
    github.mode = 'ok';
    res = await s.request('POST', '/api/integrations/github/check');
    expect(res.body.status).toBe('ready');

    const events = (await s.request('GET', '/api/events?topic=integrations&limit=1000')).body.events.filter((e: any) => e.data?.name === 'github');
    const statuses = events.map((e: any) => e.data.status);
    for (const st of ['pending', 'syncing', 'ready', 'degraded', 'error']) expect(statuses).toContain(st);

    const down = await s.request('POST', '/api/integrations', {
      body: { provider: 'github', name: 'gh-down', config: { apiBaseUrl: 'http://127.0.0.1:1' }, credentials: { token: 't' } },
    });
    expect(down.status).toBe(201);
    const view = await statusOf('gh-down', 'error');
    expect(view.statusReason).toMatch(/cannot connect/);
  });
});

describe('slack', () => {
  beforeAll(async () => {
    slack.mode = 'ok';
    const res = await s.request('POST', '/api/integrations', {
      body: {
        provider: 'slack',
        name: 'slack',
        config: { apiBaseUrl: `${slack.url}/api`, defaultChannel: 'C1', channels: ['C1'] },
        credentials: { botToken: SLACK_TOKEN, webhookUrl: `${slack.url}/hooks/good` },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.capabilities).toEqual(['send_message', 'list_messages']);
    await statusOf('slack', 'ready');
  });

  it('send_message through the Web API, and list_messages', async () => {
    const sent = await call('slack:send_message', { text: 'Deployed', channel: 'C1' });
    expect(sent.body.result).toEqual({ ok: true, via: 'api', channel: 'C1', ts: '1735690000.000900' });
    expect(slack.requests.findLast((r) => r.path === '/api/chat.postMessage')!.body).toEqual({ channel: 'C1', text: 'Deployed' });
    const listed = await call('slack:list_messages', {});
    expect(listed.body.result.messages).toHaveLength(3);
    expect(listed.body.result.messages[0]).toMatchObject({ id: 'C1:1735689720.000300', channel: 'C1', user: 'U3', text: 'Another topic', threadTs: null });
    const unknown = await call('slack:list_messages', { channel: 'C404' });
    expect(unknown.status).toBe(404);
  });

  it('webhook-only: send_message posts to the webhook; no list_messages; a dead webhook is an error', async () => {
    const created = await s.request('POST', '/api/integrations', {
      body: { provider: 'slack', name: 'slack-hook', credentials: { webhookUrl: `${slack.url}/hooks/good` } },
    });
    expect(created.body.capabilities).toEqual(['send_message']);
    const ready = await statusOf('slack-hook', 'ready');
    expect(ready.tools).toEqual(['slack-hook:send_message']);
    const sent = await call('slack-hook:send_message', { text: 'via hook' });
    expect(sent.body.result).toEqual({ ok: true, via: 'webhook' });
    expect(slack.requests.findLast((r) => r.path === '/hooks/good')!.body).toEqual({ text: 'via hook' });

    await s.request('PATCH', '/api/integrations/slack-hook', { body: { credentials: { webhookUrl: `${slack.url}/hooks/gone` } } });
    await statusOf('slack-hook', 'ready');
    const gone = await call('slack-hook:send_message', { text: 'x' });
    expect(gone.status).toBe(424);
    expect((await s.request('GET', '/api/integrations/slack-hook')).body.status).toBe('error');
  });

  it('invalid_auth -> error, 5xx -> degraded', async () => {
    slack.mode = 'unauthorized';
    const check = await s.request('POST', '/api/integrations/slack/check');
    expect(check.body).toMatchObject({ status: 'error', statusReason: expect.stringMatching(/invalid_auth/) });
    const denied = await call('slack:send_message', { text: 'x' });
    expect(denied.status).toBe(424);
    slack.mode = 'broken';
    const broken = await s.request('POST', '/api/integrations/slack/check');
    expect(broken.body).toMatchObject({ status: 'degraded', statusReason: expect.stringMatching(/HTTP 503/) });
    expect((await call('slack:list_messages', {})).status).toBe(502);
    slack.mode = 'ok';
    expect((await s.request('POST', '/api/integrations/slack/check')).body.status).toBe('ready');
  });
});
