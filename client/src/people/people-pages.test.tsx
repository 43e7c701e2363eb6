import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const me = (role: string, scopes: string[]) =>
  json(200, { type: 'user', id: 'usr_me', name: 'Me', email: 'me@example.com', role, scopes, via: 'session', setupRequired: false, ssoLinked: false });
const base = {
  'GET /api/health': () => json(200, { ok: true }),
  'GET /api/approvals?status=pending': () => json(200, { approvals: [] }),
};
const user = (over: Record<string, unknown>) => ({
  id: 'usr_x',
  name: 'X',
  email: 'x@example.com',
  role: 'viewer',
  disabled: false,
  hasPassword: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSignInAt: null,
  ...over,
});

beforeEach(() => {
  authStore.setStatus('unknown');
  Object.defineProperty(navigator, 'clipboard', { value: { writeText: vi.fn(async () => {}) }, configurable: true });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Account page', () => {
  it('marks the current session, signs another out, and creates a token with scopes limited to the role, shown once', async () => {
    let sessions = [
      {
        id: 'bs_cur',
        createdAt: '2026-01-01T00:00:00.000Z',
        lastSeenAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-02-01T00:00:00.000Z',
        userAgent: 'Firefox',
        current: true,
      },
      {
        id: 'bs_old',
        createdAt: '2026-01-01T00:00:00.000Z',
        lastSeenAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-02-01T00:00:00.000Z',
        userAgent: 'Chrome',
        current: false,
      },
    ];
    let tokens: unknown[] = [];
    const { requests } = mockFetch({
      ...base,
      'GET /api/me': () => me('operator', ['read', 'run']),
      'GET /api/me/sessions': () => json(200, { sessions }),
      'DELETE /api/me/sessions/bs_old': () => {
        sessions = sessions.filter((s) => s.id !== 'bs_old');
        return json(204);
      },
      'GET /api/tokens': () => json(200, { tokens }),
      'POST /api/tokens': ({ body }) => {
        const b = body as { name: string; scopes: string[] };
        tokens = [{ id: 'pat_1', name: b.name, scopes: b.scopes, createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, expiresAt: null }];
        return json(201, { id: 'pat_1', token: 'weft_pat_secretvalue' });
      },
      'DELETE /api/tokens/pat_1': () => {
        tokens = [];
        return json(204);
      },
    });
    renderApp('/account');
    const list = await screen.findByRole('list', { name: 'Sessions' });
    expect(within(list).getByText('This browser')).toBeTruthy();
    expect(within(list).getAllByRole('button', { name: 'Sign out' })).toHaveLength(1);
    fireEvent.click(within(list).getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(screen.queryByText('Chrome')).toBeNull());

    // Only the operator's scopes are offered.
    const form = (await screen.findByLabelText('Token name')).closest('form')!;
    expect(
      within(form)
        .getAllByRole('checkbox')
        .map((c) => c.parentElement?.textContent),
    ).toEqual(['read', 'run']);
    fireEvent.change(within(form).getByLabelText('Token name'), { target: { value: 'deploy script' } });
    fireEvent.click(within(form).getByLabelText('run'));
    fireEvent.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await screen.findByText('weft_pat_secretvalue')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Copy token' }));
    expect(navigator.clipboard.writeText).toHaveBeenCalledWith('weft_pat_secretvalue');
    expect(requests).toContainEqual({ method: 'POST', path: '/api/tokens', body: { name: 'deploy script', scopes: ['read', 'run'] } });
    const tokenList = await screen.findByRole('list', { name: 'Tokens' });
    fireEvent.click(within(tokenList).getByRole('button', { name: 'Revoke deploy script' }));
    expect(await screen.findByText('You have no tokens.')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Main' }).textContent).not.toContain('People');
  });
});

describe('People page', () => {
  it('invites someone and shows the link to copy; changes a role; disables a person', async () => {
    let users = [user({ id: 'owner', name: 'Olive', role: 'owner' }), user({ id: 'usr_b', name: 'Bo', role: 'viewer' })];
    const { requests } = mockFetch({
      ...base,
      'GET /api/me': () => me('admin', ['read', 'run', 'write', 'approve', 'admin']),
      'GET /api/users': () => json(200, { users }),
      'POST /api/users': ({ body }) => {
        const added = user({ id: 'usr_c', ...(body as object), hasPassword: false });
        users = [...users, added];
        return json(201, { user: added, inviteUrl: 'http://weft.test/invite/code123' });
      },
      'PATCH /api/users/usr_b': ({ body }) => {
        const b = body as { role?: string; disabled?: boolean };
        users = users.map((u) => (u.id === 'usr_b' ? { ...u, ...b } : u));
        return json(200, { user: users[1] });
      },
    });
    renderApp('/settings/people');
    const people = await screen.findByRole('list', { name: 'People' });
    // An admin cannot change the owner.
    expect((within(people).getByLabelText('Role of Olive') as HTMLSelectElement).disabled).toBe(true);
    expect(within(people).getByLabelText('Role of Bo').querySelectorAll('option')).toHaveLength(5);

    const form = screen.getByRole('form', { name: 'Invite someone' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Cy' } });
    fireEvent.change(within(form).getByLabelText('Email'), { target: { value: 'cy@example.com' } });
    fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'approver' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await screen.findByText('http://weft.test/invite/code123')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Copy link' }));
    expect(navigator.clipboard.writeText).toHaveBeenCalledWith('http://weft.test/invite/code123');
    expect(requests).toContainEqual({ method: 'POST', path: '/api/users', body: { name: 'Cy', email: 'cy@example.com', role: 'approver' } });
    expect(await screen.findByText('Invited')).toBeTruthy();

    fireEvent.change(within(people).getByLabelText('Role of Bo'), { target: { value: 'editor' } });
    await waitFor(() => expect(requests).toContainEqual({ method: 'PATCH', path: '/api/users/usr_b', body: { role: 'editor' } }));
    fireEvent.click(within(people).getByRole('button', { name: 'Disable Bo' }));
    expect(await within(people).findByRole('button', { name: 'Enable Bo' })).toBeTruthy();
    expect(requests).toContainEqual({ method: 'PATCH', path: '/api/users/usr_b', body: { disabled: true } });
    expect(screen.getByRole('navigation', { name: 'Main' }).textContent).toContain('People');
  });

  it('tells someone without admin why they cannot manage people', async () => {
    const { requests } = mockFetch({ ...base, 'GET /api/me': () => me('editor', ['read', 'run', 'write']) });
    renderApp('/settings/people');
    expect(await screen.findByText(/Needs the “admin” permission/)).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Invite someone' })).toBeNull();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });
});
