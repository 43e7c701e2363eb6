import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, unauthorized } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';

const options = (enabled: boolean) => ({ password: true, sso: { enabled, label: enabled ? 'id.example.com' : null } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('single sign-on on the sign-in page', () => {
  it('shows the button when the server offers single sign-on, carrying where the person was going', async () => {
    mockFetch({ 'GET /api/me': unauthorized, 'GET /auth/options': json(200, options(true)) });
    renderApp('/signin?next=%2Fautomation%2Fwf_1');
    const button = await screen.findByRole('link', { name: 'Sign in with single sign-on' });
    expect(button.getAttribute('href')).toBe('/auth/oidc/start?next=%2Fautomation%2Fwf_1');
    expect(screen.getByText('Through id.example.com')).toBeTruthy();
    // The token form stays: single sign-on is one more way in, not the only one.
    expect(screen.getByLabelText('Access token')).toBeTruthy();
  });

  it('never carries a `next` that leaves this server', async () => {
    mockFetch({ 'GET /api/me': unauthorized, 'GET /auth/options': json(200, options(true)) });
    renderApp('/signin?next=%2F%2Fevil.example.com');
    const button = await screen.findByRole('link', { name: 'Sign in with single sign-on' });
    expect(button.getAttribute('href')).toBe('/auth/oidc/start?next=%2Fchat');
  });

  it('shows no button when single sign-on is off, or the server is older and has no /auth/options', async () => {
    const { requests } = mockFetch({ 'GET /api/me': unauthorized, 'GET /auth/options': json(200, options(false)) });
    renderApp('/signin');
    await waitFor(() => expect(requests.some((r) => r.path === '/auth/options')).toBe(true));
    await screen.findByLabelText('Access token');
    expect(screen.queryByRole('link', { name: 'Sign in with single sign-on' })).toBeNull();
    cleanup();

    const older = mockFetch({ 'GET /api/me': unauthorized });
    renderApp('/signin');
    await waitFor(() => expect(older.requests.some((r) => r.path === '/auth/options')).toBe(true));
    expect(screen.queryByRole('link', { name: 'Sign in with single sign-on' })).toBeNull();
  });

  it('says why single sign-on sent the person back', async () => {
    mockFetch({ 'GET /api/me': unauthorized, 'GET /auth/options': json(200, options(true)) });
    renderApp('/signin?reason=sso');
    expect((await screen.findByRole('alert')).textContent).toMatch(/Single sign-on did not complete/);
    cleanup();
    mockFetch({ 'GET /api/me': unauthorized, 'GET /auth/options': json(200, options(true)) });
    renderApp('/signin?reason=disabled');
    expect((await screen.findByRole('alert')).textContent).toMatch(/account is disabled/);
  });
});
