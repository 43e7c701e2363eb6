import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const health = json(200, { ok: true, version: '1.0.0' });
const workflow = (id: string, name: string, description?: string) => ({
  id,
  version: 2,
  definition: { name, ...(description ? { description } : {}), steps: [{ id: 'a', type: 'bash', command: 'true' }] },
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
});

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('workflows list', () => {
  it('shows a skeleton while loading, then the rows', async () => {
    let release: (r: Response) => void = () => {};
    mockFetch({ 'GET /api/me': signedIn, 'GET /api/health': health, 'GET /api/workflows': () => new Promise<Response>((resolve) => (release = resolve)) });
    renderApp('/automation/workflows');
    expect(await screen.findByRole('list', { name: 'Loading workflows' })).toBeTruthy();
    expect(screen.queryByText('No workflows yet')).toBeNull();
    release(json(200, { workflows: [workflow('wf_a', 'Backup', 'Copies the database'), workflow('wf_b', 'Digest')] }));
    const list = await screen.findByRole('list', { name: 'Workflows' });
    const rows = within(list).getAllByRole('link');
    expect(rows.map((row) => row.getAttribute('href'))).toEqual(['/automation/workflows/wf_a', '/automation/workflows/wf_b']);
    expect(within(rows[0]!).getByText('Copies the database')).toBeTruthy();
    expect(within(rows[0]!).getByText('v2')).toBeTruthy();
    expect(within(rows[0]!).getByText('5 minutes ago')).toBeTruthy();
    expect(within(rows[1]!).getByText('No description')).toBeTruthy();
  });

  it('shows the empty state only when there are no workflows, with a call to action', async () => {
    mockFetch({ 'GET /api/me': signedIn, 'GET /api/health': health, 'GET /api/workflows': json(200, { workflows: [] }) });
    renderApp('/automation/workflows');
    expect(await screen.findByText('No workflows yet')).toBeTruthy();
    // One call to action, in the empty panel, not repeated in the header.
    const ctas = within(screen.getByRole('main')).getAllByRole('link', { name: 'New workflow' });
    expect(ctas.map((link) => link.getAttribute('href'))).toEqual(['/automation/workflows/new']);
  });

  it('shows an error with Retry, and retrying loads the list', async () => {
    let fail = true;
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/workflows': () =>
        fail ? json(500, { error: { code: 'internal', message: 'Internal server error' } }) : json(200, { workflows: [workflow('wf_a', 'Backup')] }),
    });
    renderApp('/automation/workflows');
    expect(await screen.findByText('Could not load workflows')).toBeTruthy();
    expect(screen.getByText('Internal server error.')).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Backup')).toBeTruthy();
  });
});

describe('workflows list: triggers and last run', () => {
  it('badges each workflow with how it starts and shows its last run', async () => {
    const trigger = {
      id: 'tr_1',
      key: 'wf-backup-a1',
      workflowId: 'wf_a',
      type: 'schedule',
      enabled: true,
      schedule: { cron: '0 9 * * 1-5', timezone: 'UTC', catchUp: 'latest', catchUpWindowSeconds: 86400, overlap: 'skip' },
      description: 'At 09:00, Monday through Friday (UTC)',
      nextRunAt: null,
      lastDelivery: null,
      createdAt: '2025-01-01T10:00:00.000Z',
      updatedAt: '2025-01-01T10:00:00.000Z',
    };
    const hook = {
      ...trigger,
      id: 'tr_2',
      key: 'wf-digest-b2',
      workflowId: 'wf_b',
      type: 'webhook',
      enabled: false,
      schedule: undefined,
      webhook: { path: 'p', url: '/hooks/p', verify: 'weft', hasSecret: true, rateLimitPerMinute: 60, allowBrowser: false, respondWithOutput: false },
    };
    const run = {
      id: 'ex_1',
      workflowId: 'wf_a',
      workflowVersion: 2,
      status: 'failed',
      inputs: {},
      trigger: null,
      sessionId: null,
      createdAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/workflows': json(200, { workflows: [workflow('wf_a', 'Backup'), workflow('wf_b', 'Digest'), workflow('wf_c', 'Cleanup')] }),
      'GET /api/triggers': json(200, { triggers: [trigger, hook] }),
      'GET /api/executions?limit=1&workflowId=wf_a': json(200, { executions: [run], nextBefore: null }),
      'GET /api/executions?limit=1&workflowId=wf_b': json(200, { executions: [], nextBefore: null }),
      'GET /api/executions?limit=1&workflowId=wf_c': json(200, {
        executions: [{ ...run, id: 'ex_2', workflowId: 'wf_c', status: 'succeeded' }],
        nextBefore: null,
      }),
    });
    renderApp('/automation/workflows');
    const rows = within(await screen.findByRole('list', { name: 'Workflows' })).getAllByRole('listitem');
    const [backup, digest, cleanup] = rows as [HTMLElement, HTMLElement, HTMLElement];
    expect(await within(backup).findByText('At 09:00 AM, Monday through Friday')).toBeTruthy();
    expect(await within(backup).findByText('Failed')).toBeTruthy();
    expect(within(backup).getByText('2 hours ago')).toBeTruthy();
    expect(within(digest).getByText('Webhook')).toBeTruthy();
    expect(within(digest).getByText('Paused')).toBeTruthy();
    expect(await within(digest).findByText('Never run')).toBeTruthy();
    expect(within(cleanup).getByText('Manual')).toBeTruthy();
    expect(await within(cleanup).findByText('Succeeded')).toBeTruthy();
  });
});

describe('shell', () => {
  it('redirects / to the workflows page and badges pending approvals', async () => {
    const approval = {
      id: 'ap_1',
      executionId: 'ex_1',
      workflowId: 'wf_a',
      stepId: 'ask',
      iterationPath: '',
      message: 'Ship it?',
      approvers: [],
      requestedAt: '2025-01-01T10:00:00.000Z',
      expiresAt: '2025-01-08T10:00:00.000Z',
      status: 'pending',
    };
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/workflows': json(200, { workflows: [] }),
      'GET /api/approvals?status=pending': json(200, { approvals: [approval, { ...approval, id: 'ap_2' }] }),
    });
    const { router } = renderApp('/');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(await within(nav).findByRole('link', { name: /^Approvals\s*2 pending$/ })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/automation/workflows');
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.getAttribute('href')),
    ).toEqual([
      '/chat',
      '/automation/workflows',
      '/automation/executions',
      '/automation/schedules-and-hooks',
      '/approvals',
      '/notifications',
      '/integrations',
      '/integrations/conversations',
      // The owner (an admin) sees People and the Audit log; everyone sees Account.
      '/settings/people',
      '/settings/audit',
      '/account',
    ]);
  });

  it('lights only Conversations on the conversations page, and Integrations on its own pages', async () => {
    mockFetch({ 'GET /api/me': signedIn, 'GET /api/health': health, 'GET /api/approvals?status=pending': json(200, { approvals: [] }) });
    const { router } = renderApp('/integrations/conversations');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const current = () =>
      within(nav)
        .queryAllByRole('link', { current: 'page' })
        .map((link) => link.getAttribute('href'));
    await waitFor(() => expect(current()).toEqual(['/integrations/conversations']));
    await router.navigate('/integrations');
    await waitFor(() => expect(current()).toEqual(['/integrations']));
  });

  it('hides the badge and says approvals are not available when the endpoint is missing', async () => {
    const { requests } = mockFetch({ 'GET /api/me': signedIn, 'GET /api/health': health });
    renderApp('/approvals');
    expect(await screen.findByText('Approvals are not available yet')).toBeTruthy();
    expect(screen.queryByLabelText(/pending$/)).toBeNull();
    expect(requests.filter((r) => r.path === '/api/approvals?status=pending').length).toBeGreaterThan(0);
  });

  it('says executions are not available when the endpoint is missing', async () => {
    mockFetch({ 'GET /api/me': signedIn, 'GET /api/health': health });
    renderApp('/automation/executions');
    expect(await screen.findByText('Executions are not available yet')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Check again' })).toBeTruthy();
  });
});
