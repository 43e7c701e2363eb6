import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, unauthorized } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const PASSWORD = 'correct horse battery';
const me = (over: Record<string, unknown> = {}) =>
  json(200, {
    type: 'user',
    id: 'usr_1',
    name: 'Ada',
    email: 'ada@example.com',
    role: 'editor',
    scopes: ['read', 'run', 'write'],
    via: 'session',
    setupRequired: false,
    ssoLinked: false,
    ...over,
  });
const appRoutes = {
  'GET /api/health': () => json(200, { ok: true }),
  'GET /api/sessions': () => json(200, { sessions: [] }),
  'GET /api/workflows': () => json(200, { workflows: [] }),
  'GET /api/approvals?status=pending': () => json(200, { approvals: [] }),
};

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('sign-in with email and password', () => {
  it('posts the pair to /auth/password and lands where the person was going', async () => {
    let signedIn = false;
    const { requests } = mockFetch({
      ...appRoutes,
      'GET /api/me': () => (signedIn ? me() : unauthorized()),
      'POST /auth/password': ({ body }) => {
        if ((body as { password: string }).password !== PASSWORD) return json(401, { error: { code: 'unauthorized', message: 'no' } });
        signedIn = true;
        return json(204);
      },
    });
    const { router } = renderApp('/signin?next=%2Fautomation%2Fworkflows');
    // The access token is still offered below.
    expect(screen.getByRole('heading', { name: 'Use the access token' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: ' ada@example.com ' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'wrong password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with password' }));
    expect(await screen.findByText('That email and password do not match. Check them and try again.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: PASSWORD } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with password' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/workflows'));
    expect(requests).toContainEqual({ method: 'POST', path: '/auth/password', body: { email: 'ada@example.com', password: PASSWORD } });
  });
});

describe('first start: the owner sets up before the app', () => {
  it('asks for name, email and password, checks them, posts once and then shows the app', async () => {
    let setUp = false;
    const { requests } = mockFetch({
      ...appRoutes,
      'GET /api/me': () => me({ id: 'owner', name: setUp ? 'Olive' : 'owner', role: 'owner', via: 'session', setupRequired: !setUp }),
      'POST /api/me/setup': () => {
        setUp = true;
        return json(204);
      },
    });
    renderApp('/automation/workflows');
    expect(await screen.findByRole('heading', { name: 'Welcome to Weft' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Your name'), { target: { value: 'Olive' } });
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'olive@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'short' } });
    fireEvent.change(screen.getByLabelText('Repeat the password'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByText('Use at least 10 characters.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: PASSWORD } });
    fireEvent.change(screen.getByLabelText('Repeat the password'), { target: { value: `${PASSWORD}!` } });
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByText('The two passwords differ.')).toBeTruthy();
    expect(requests.some((r) => r.path === '/api/me/setup')).toBe(false);
    fireEvent.change(screen.getByLabelText('Repeat the password'), { target: { value: PASSWORD } });
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('heading', { name: 'Workflows' })).toBeTruthy();
    expect(requests).toContainEqual({ method: 'POST', path: '/api/me/setup', body: { name: 'Olive', email: 'olive@example.com', password: PASSWORD } });
  });
});

describe('the invite page', () => {
  it('greets by name without a session, sets the password, signs in and lands on the chat', async () => {
    let signedIn = false;
    const { requests } = mockFetch({
      ...appRoutes,
      'GET /api/me': () => (signedIn ? me() : unauthorized()),
      'GET /auth/invite/abc123': () => json(200, { name: 'Ada', email: 'ada@example.com' }),
      'POST /auth/invite': () => {
        signedIn = true;
        return json(204);
      },
    });
    const { router } = renderApp('/invite/abc123');
    expect(await screen.findByRole('heading', { name: 'Welcome, Ada' })).toBeTruthy();
    expect(screen.getByText(/as ada@example.com/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: PASSWORD } });
    fireEvent.change(screen.getByLabelText('Repeat the password'), { target: { value: PASSWORD } });
    fireEvent.click(screen.getByRole('button', { name: 'Set password and sign in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/chat'));
    expect(requests).toContainEqual({ method: 'POST', path: '/auth/invite', body: { code: 'abc123', password: PASSWORD } });
  });

  it('says an expired link has expired, and an unknown one is not valid', async () => {
    mockFetch({
      'GET /auth/invite/old': () => json(410, { error: { code: 'invite_expired', message: 'expired' } }),
      'GET /auth/invite/nope': () => json(404, { error: { code: 'not_found', message: 'unknown' } }),
    });
    renderApp('/invite/old');
    expect(await screen.findByText(/has expired: links work for 7 days/)).toBeTruthy();
    cleanup();
    renderApp('/invite/nope');
    expect(await screen.findByText(/not valid, or it has already been used/)).toBeTruthy();
  });
});
