import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';
import { connectBody, editBody, fieldsFromConfig } from './ConnectForm';

const health = json(200, { ok: true, version: '1.0.0' });
const integration = (over: Record<string, unknown> = {}) => ({
  id: 'int_1',
  name: 'github',
  provider: 'github',
  config: { owner: 'o', repo: 'r' },
  credentialFields: ['token'],
  capabilities: ['list_issues', 'get_issue', 'create_comment'],
  tools: ['github:list_issues', 'github:get_issue', 'github:create_comment'],
  status: 'error',
  statusReason: 'GitHub GET /user: credentials rejected (HTTP 401)',
  checkedAt: new Date(Date.now() - 120_000).toISOString(),
  latestSyncExecutionId: 'ex_1',
  lastSyncError: 'step fetch failed',
  provisioned: [],
  requiredBy: [{ id: 'wf_1', name: 'Triage' }],
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('integrations page', () => {
  it('shows a card with status and reason, last check, tools, latest sync run and last error; re-checks', async () => {
    let status = 'error';
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/integrations': () => json(200, { integrations: [integration({ status })] }),
      'POST /api/integrations/github/check': () => {
        status = 'ready';
        return json(200, integration({ status, statusReason: null }));
      },
    });
    renderApp('/integrations');
    const card = await screen.findByRole('listitem', { name: 'Integration github' });
    expect(within(card).getByText('error')).toBeTruthy();
    expect(within(card).getByText(/credentials rejected/)).toBeTruthy();
    expect(within(card).getByText('2 minutes ago')).toBeTruthy();
    expect(within(card).getByText('github:list_issues')).toBeTruthy();
    expect(within(card).getByRole('link', { name: 'ex_1' }).getAttribute('href')).toBe('/automation/executions/ex_1');
    expect(within(card).getByText('Last sync failed: step fetch failed')).toBeTruthy();
    fireEvent.click(within(card).getByRole('button', { name: 'Re-check' }));
    expect(await within(card).findByText('ready')).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST' && r.path === '/api/integrations/github/check')).toBe(true);
  });

  it('asks for confirmation naming the workflows that require it before deleting', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/integrations': json(200, { integrations: [integration()] }),
      'DELETE /api/integrations/github': new Response(null, { status: 204 }),
    });
    renderApp('/integrations');
    const card = await screen.findByRole('listitem', { name: 'Integration github' });
    fireEvent.click(within(card).getByRole('button', { name: 'Delete' }));
    const dialog = within(card).getByRole('alertdialog', { name: 'Delete github?' });
    expect(within(dialog).getByText('Triage')).toBeTruthy();
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete anyway' }));
    await vi.waitFor(() => expect(requests.some((r) => r.method === 'DELETE' && r.path === '/api/integrations/github?force=true')).toBe(true));
  });

  it('connects through the form, one set of fields per provider', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/integrations': json(200, { integrations: [] }),
      'POST /api/integrations': json(201, integration({ status: 'pending', statusReason: null })),
    });
    renderApp('/integrations');
    fireEvent.click(await screen.findByRole('button', { name: 'Connect' }));
    const form = screen.getByRole('form', { name: 'Connect an integration' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'github' } });
    fireEvent.change(within(form).getByLabelText('Owner'), { target: { value: 'o' } });
    fireEvent.change(within(form).getByLabelText('Token'), { target: { value: 'ghp_x' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Connect' }));
    await vi.waitFor(() =>
      expect(requests.find((r) => r.method === 'POST')?.body).toEqual({
        provider: 'github',
        name: 'github',
        config: { owner: 'o' },
        credentials: { token: 'ghp_x' },
      }),
    );
  });

  it('edits an integration: its config filled in, secrets kept unless one is typed', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/integrations': json(200, { integrations: [integration()] }),
      'PATCH /api/integrations/github': json(200, integration({ status: 'pending', statusReason: null, config: { owner: 'o2', repo: 'r' } })),
    });
    renderApp('/integrations');
    const card = await screen.findByRole('listitem', { name: 'Integration github' });
    fireEvent.click(within(card).getByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: 'Edit github' });
    expect((within(form).getByLabelText('Name') as HTMLInputElement).disabled).toBe(true);
    expect((within(form).getByLabelText('Owner') as HTMLInputElement).value).toBe('o');
    expect((within(form).getByLabelText('Repository') as HTMLInputElement).value).toBe('r');
    expect((within(form).getByLabelText('Token') as HTMLInputElement).value).toBe('');
    fireEvent.change(within(form).getByLabelText('Owner'), { target: { value: 'o2' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(requests.find((r) => r.method === 'PATCH')?.body).toEqual({ config: { owner: 'o2', repo: 'r' } }));
    // Saved: the card is back.
    expect(await screen.findByRole('button', { name: 'Edit' })).toBeTruthy();
  });

  it('builds edit bodies: fields from a stored config, credentials only when a secret was typed', () => {
    expect(fieldsFromConfig('slack', { defaultChannel: 'C0', channels: ['C1', 'C2'] })).toEqual({ apiBaseUrl: '', defaultChannel: 'C0', channels: 'C1, C2' });
    expect(fieldsFromConfig('mcp', { command: 'node', args: ['a.js', '-v'] })).toEqual({ command: 'node', args: 'a.js -v', url: '' });
    const slack = fieldsFromConfig('slack', { channels: ['C1'] });
    expect(editBody('slack', slack)).toEqual({ config: { channels: ['C1'] } });
    expect(editBody('slack', { ...slack, webhookUrl: 'https://hooks.example/x' })).toEqual({
      config: { channels: ['C1'] },
      credentials: { webhookUrl: 'https://hooks.example/x' },
    });
    expect(editBody('github', { owner: 'o', token: '' })).toEqual({ config: { owner: 'o' } });
    expect(editBody('github', { owner: 'o', token: 't' })).toEqual({ config: { owner: 'o' }, credentials: { token: 't' } });
  });

  it('builds MCP and Slack bodies', () => {
    expect(connectBody('mcp', 'local', { command: 'node', args: 'server.js --flag', env: 'API_KEY=abc=d\n' })).toEqual({
      provider: 'mcp',
      name: 'local',
      config: { command: 'node', args: ['server.js', '--flag'] },
      credentials: { env: { API_KEY: 'abc=d' } },
    });
    expect(connectBody('mcp', 'remote', { url: 'http://127.0.0.1:9/mcp', authorization: 'Bearer t' })).toEqual({
      provider: 'mcp',
      name: 'remote',
      config: { url: 'http://127.0.0.1:9/mcp' },
      credentials: { headers: { authorization: 'Bearer t' } },
    });
    expect(connectBody('slack', 's', { channels: 'C1, C2', botToken: 'x' })).toEqual({
      provider: 'slack',
      name: 's',
      config: { channels: ['C1', 'C2'] },
      credentials: { botToken: 'x' },
    });
  });
});
