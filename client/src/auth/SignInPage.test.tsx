import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, unauthorized, signedIn as signedInOwner } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const TOKEN = 'tok_0123456789abcdef';
const workflow = {
  id: 'wf_1',
  version: 3,
  definition: { name: 'Nightly report', description: 'Mails the numbers', steps: [{ id: 'a', type: 'bash', command: 'true' }] },
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-02T10:00:00.000Z',
};

/** A server whose cookie check the test controls: /api answers 401 until /auth/login got the right token. */
function fakeServer() {
  let signedIn = false;
  return mockFetch({
    'GET /api/me': () => (signedIn ? signedInOwner() : unauthorized()),
    // Public: answers without a session, so it must not count as signed in.
    'GET /api/health': () => json(200, signedIn ? { ok: true, version: '1.2.3' } : { ok: true }),
    'GET /api/sessions': () => (signedIn ? json(200, { sessions: [] }) : unauthorized()),
    'GET /api/workflows': () => (signedIn ? json(200, { workflows: [workflow] }) : unauthorized()),
    'GET /api/approvals?status=pending': () => (signedIn ? json(200, { approvals: [] }) : unauthorized()),
    'POST /auth/login': ({ body }) => {
      if ((body as { token?: string }).token !== TOKEN) return json(401, { error: { code: 'unauthorized', message: 'access token is invalid' } });
      signedIn = true;
      return json(204);
    },
  });
}

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('sign-in', () => {
  it('shows the sign-in page in place when the API answers 401', async () => {
    fakeServer();
    renderApp('/automation/workflows');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByText(/not signed in, or its session has ended/)).toBeTruthy();
    expect(screen.getByText(/<data dir>\/token/)).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
  });

  it('posts the token to /auth/login, then shows the page the user asked for', async () => {
    const { requests } = fakeServer();
    renderApp('/automation/workflows');
    fireEvent.change(await screen.findByLabelText('Access token'), { target: { value: `  ${TOKEN} ` } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Workflows' })).toBeTruthy();
    expect(requests).toContainEqual({ method: 'POST', path: '/auth/login', body: { token: TOKEN } });
    const list = await screen.findByRole('list', { name: 'Workflows' });
    expect(within(list).getByText('Nightly report')).toBeTruthy();
    expect(within(list).getByText('v3')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
  });

  it('says so when the token is wrong, and stays on the sign-in page', async () => {
    fakeServer();
    renderApp('/automation/workflows');
    fireEvent.change(await screen.findByLabelText('Access token'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('That token is not valid. Check it and try again.')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
  });

  it('explains a used or invalid link on /signin?reason=link and lands on the chat after signing in', async () => {
    const { requests } = fakeServer();
    const { router } = renderApp('/signin?reason=link');
    expect(screen.getByText(/already been used or is not valid/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Access token'), { target: { value: TOKEN } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/chat'));
    expect(requests.some((r) => r.method === 'POST' && r.path === '/auth/login')).toBe(true);
  });

  it('goes where the user was going (next=) when it is a path on this site, and to the chat otherwise', async () => {
    fakeServer();
    const { router } = renderApp('/signin?next=%2Fautomation%2Fworkflows');
    fireEvent.change(screen.getByLabelText('Access token'), { target: { value: TOKEN } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/workflows'));
    expect(await screen.findByText('Nightly report')).toBeTruthy();
    cleanup();

    authStore.setStatus('unknown');
    fakeServer();
    const other = renderApp('/signin?next=%2F%2Fevil.example%2Fx');
    fireEvent.change(screen.getByLabelText('Access token'), { target: { value: TOKEN } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(other.router.state.location.pathname).toBe('/chat'));
  });

  it('asks for the token instead of posting an empty one', async () => {
    const { requests } = fakeServer();
    renderApp('/signin');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Paste the access token first.')).toBeTruthy();
    expect(requests.some((r) => r.path === '/auth/login')).toBe(false);
  });

  it('a browser already signed in skips the form and lands where it was going', async () => {
    mockFetch({
      'GET /api/me': signedInOwner,
      'GET /api/health': () => json(200, { ok: true }),
      'GET /api/workflows': () => json(200, { workflows: [] }),
      'GET /api/approvals?status=pending': () => json(200, { approvals: [] }),
    });
    const { router } = renderApp('/signin?next=%2Fautomation%2Fworkflows');
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/workflows'));
    expect(screen.queryByLabelText('Access token')).toBeNull();
  });
});
