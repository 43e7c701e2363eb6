import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch } from '../../test/fetch-mock';
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
    mockFetch({ 'GET /api/health': health, 'GET /api/workflows': () => new Promise<Response>((resolve) => (release = resolve)) });
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
    mockFetch({ 'GET /api/health': health, 'GET /api/workflows': json(200, { workflows: [] }) });
    renderApp('/automation/workflows');
    expect(await screen.findByText('No workflows yet')).toBeTruthy();
    const ctas = screen.getAllByRole('link', { name: 'New workflow' });
    expect(ctas.length).toBeGreaterThan(0);
    expect(ctas.every((link) => link.getAttribute('href') === '/automation/workflows/new')).toBe(true);
  });

  it('shows an error with Retry, and retrying loads the list', async () => {
    let fail = true;
    mockFetch({
      'GET /api/health': health,
      'GET /api/workflows': () => (fail ? json(500, { error: { code: 'internal', message: 'Internal server error' } }) : json(200, { workflows: [workflow('wf_a', 'Backup')] })),
    });
    renderApp('/automation/workflows');
    expect(await screen.findByText('Could not load workflows')).toBeTruthy();
    expect(screen.getByText('Internal server error')).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Backup')).toBeTruthy();
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
      'GET /api/health': health,
      'GET /api/workflows': json(200, { workflows: [] }),
      'GET /api/approvals?status=pending': json(200, { approvals: [approval, { ...approval, id: 'ap_2' }] }),
    });
    const { router } = renderApp('/');
    expect(await screen.findByLabelText('2 pending')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/automation/workflows');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getAllByRole('link').map((link) => link.getAttribute('href'))).toEqual([
      '/chat',
      '/automation/workflows',
      '/automation/executions',
      '/automation/schedules-and-hooks',
      '/approvals',
      '/integrations',
      '/integrations/conversations',
    ]);
  });

  it('hides the badge and says approvals are not available when the endpoint is missing', async () => {
    const { requests } = mockFetch({ 'GET /api/health': health });
    renderApp('/approvals');
    expect(await screen.findByText('Approvals are not available yet')).toBeTruthy();
    expect(screen.queryByLabelText(/pending$/)).toBeNull();
    expect(requests.filter((r) => r.path === '/api/approvals?status=pending').length).toBeGreaterThan(0);
  });

  it('says executions are not available when the endpoint is missing', async () => {
    mockFetch({ 'GET /api/health': health });
    renderApp('/automation/executions');
    expect(await screen.findByText('Executions are not available yet')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Check again' })).toBeTruthy();
  });

  it('is honest about pages that are not built yet', async () => {
    mockFetch({ 'GET /api/health': health });
    renderApp('/automation/schedules-and-hooks');
    expect(await screen.findByText('Schedules and webhooks are not available yet')).toBeTruthy();
  });
});
