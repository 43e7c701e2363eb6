import { expect } from 'vitest';
import { startFakeMcpHttp, type FakeMcpHttp } from './fake-mcp-http';
import { GITHUB_TOKEN, SLACK_TOKEN, startFakeGithub, startFakeSlack, type FakeService } from './fake-services';
import { waitUntil } from './live-client';
import type { TestServer } from './server';

export type FakeIntegrations = { github: FakeService; slack: FakeService; mcp: FakeMcpHttp; close(): Promise<void> };

async function ready(s: TestServer, name: string) {
  await waitUntil(async () => (await s.request('GET', `/api/integrations/${name}`)).body.status === 'ready', 15_000, `${name} ready`);
}

/**
 * Connects one integration of each provider to fake services: `gh` (GitHub, o/r), `sl` (Slack,
 * channel C1) and `remote` (MCP over HTTP), and waits until each is ready. Slack's provisioned
 * message-sync schedule is removed, so nothing fires during a test.
 */
export async function connectFakeIntegrations(s: TestServer): Promise<FakeIntegrations> {
  const [github, slack, mcp] = await Promise.all([startFakeGithub(), startFakeSlack(), startFakeMcpHttp()]);
  const created = await Promise.all([
    s.request('POST', '/api/integrations', {
      body: { provider: 'github', name: 'gh', config: { apiBaseUrl: github.url, owner: 'o', repo: 'r' }, credentials: { token: GITHUB_TOKEN } },
    }),
    s.request('POST', '/api/integrations', {
      body: {
        provider: 'slack',
        name: 'sl',
        config: { apiBaseUrl: `${slack.url}/api`, defaultChannel: 'C1', channels: ['C1'] },
        credentials: { botToken: SLACK_TOKEN },
      },
    }),
    s.request('POST', '/api/integrations', { body: { provider: 'mcp', name: 'remote', config: { url: mcp.url } } }),
  ]);
  for (const c of created) expect(c.status, JSON.stringify(c.body)).toBe(201);
  await Promise.all(['gh', 'sl', 'remote'].map((name) => ready(s, name)));
  await waitUntil(async () => (await s.request('GET', '/api/integrations/sl')).body.provisioned.length === 1, 15_000, 'provisioning');
  expect((await s.request('DELETE', '/api/triggers/integration-sl-message_sync')).status).toBe(204);
  return { github, slack, mcp, close: async () => void (await Promise.all([github.close(), slack.close(), mcp.close()])) };
}
