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
    cleanup();
    mockFetch({ 'GET /api/me': unauthorized, 'GET /auth/options': json(200, options(true)) });
    renderApp('/signin?reason=sso_link');
    expect((await screen.findByRole('alert')).textContent).toMatch(/link single sign-on from your Account page/);
  });
});

describe('linking single sign-on from the Account page', () => {
  const account = (ssoLinked: boolean, via = 'session') =>
    json(200, { type: 'user', id: 'usr_1', name: 'Ed', email: 'ed@example.com', role: 'editor', scopes: ['read'], via, setupRequired: false, ssoLinked });
  const quiet = { 'GET /api/me/sessions': json(200, { sessions: [] }), 'GET /api/tokens': json(200, { tokens: [] }) };

  it('offers the link to a browser session not yet linked, and says so once linked', async () => {
    mockFetch({ 'GET /api/me': account(false), 'GET /auth/options': json(200, options(true)), ...quiet });
    renderApp('/account');
    const link = await screen.findByRole('link', { name: 'Link single sign-on' });
    expect(link.getAttribute('href')).toBe('/auth/oidc/start?link=1&next=%2Faccount');
    cleanup();
    mockFetch({ 'GET /api/me': account(true), 'GET /auth/options': json(200, options(true)), ...quiet });
    renderApp('/account');
    expect(await screen.findByText(/This account is linked to id.example.com/)).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Link single sign-on' })).toBeNull();
  });

  it('shows nothing without single sign-on, and no link to a token', async () => {
    mockFetch({ 'GET /api/me': account(false, 'token'), 'GET /auth/options': json(200, options(true)), ...quiet });
    renderApp('/account');
    expect(await screen.findByText(/Sign in from a browser to link/)).toBeTruthy();
    cleanup();
    const off = mockFetch({ 'GET /api/me': account(false), 'GET /auth/options': json(200, options(false)), ...quiet });
    renderApp('/account');
    await waitFor(() => expect(off.requests.some((r) => r.path === '/auth/options')).toBe(true));
    await screen.findByRole('heading', { name: 'Sessions' });
    expect(screen.queryByRole('heading', { name: 'Single sign-on' })).toBeNull();
  });
});
