import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const health = json(200, { ok: true, version: '1.0.0' });
const conversation = (id: string, status: 'open' | 'closed', title: string) => ({
  id,
  integration: 'slack',
  channel: 'C1',
  threadId: '1.0',
  title,
  status,
  messageCount: 2,
  lastMessageAt: new Date(Date.now() - 60_000).toISOString(),
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
});
const CTA = 'Connect a messaging integration';

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('conversations page', () => {
  it('never shows the call to action while loading; shows it once there are no conversations at all', async () => {
    let release: (r: Response) => void = () => {};
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/conversations?limit=1': () => new Promise<Response>((resolve) => (release = resolve)),
    });
    renderApp('/integrations/conversations');
    expect(await screen.findByRole('list', { name: 'Loading conversations' })).toBeTruthy();
    expect(screen.queryByText(CTA)).toBeNull();
    expect(screen.queryByText('No conversations yet')).toBeNull();
    release(json(200, { conversations: [] }));
    const cta = await screen.findByRole('link', { name: CTA });
    expect(cta.getAttribute('href')).toBe('/integrations');
  });

  it('lists open conversations; with none open but some closed, there is no call to action', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/conversations?limit=1': json(200, { conversations: [conversation('c2', 'closed', 'Old thread')] }),
      'GET /api/conversations?status=open': json(200, { conversations: [] }),
      'GET /api/conversations?status=closed': json(200, { conversations: [conversation('c2', 'closed', 'Old thread')] }),
    });
    renderApp('/integrations/conversations');
    expect(await screen.findByText('No open conversations.')).toBeTruthy();
    expect(screen.queryByText(CTA)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'closed' }));
    const list = await screen.findByRole('list', { name: 'Conversations' });
    expect(within(list).getByText('Old thread')).toBeTruthy();
    expect(within(list).getByText('slack · #C1 · 2 messages')).toBeTruthy();
    expect(requests.some((r) => r.path === '/api/conversations?status=closed')).toBe(true);
    expect(screen.queryByText(CTA)).toBeNull();
  });

  it('a failed load is an error with Retry, not the call to action', async () => {
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/conversations?limit=1': json(500, { error: { code: 'internal', message: 'Internal server error' } }),
    });
    renderApp('/integrations/conversations');
    expect(await screen.findByText('Could not load conversations')).toBeTruthy();
    expect(screen.queryByText(CTA)).toBeNull();
  });
});
