import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

beforeEach(() => {
  authStore.setStatus('unknown');
  mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true }),
    'GET /api/workflows': json(200, { workflows: [] }),
    'GET /api/approvals?status=pending': json(200, { approvals: [] }),
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the navigation menu button (narrow screens)', () => {
  it('says whether it is open, controls the nav, closes on Escape with focus back, and on following a link', async () => {
    const { router } = renderApp('/automation/workflows');
    const button = await screen.findByRole('button', { name: 'Menu' });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(button.getAttribute('aria-controls')).toBe(nav.id);
    expect(button.getAttribute('aria-expanded')).toBe('false');

    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(nav.closest('.sidebar')?.classList.contains('is-open')).toBe(true);
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(button);

    fireEvent.click(button);
    fireEvent.click(within(nav).getByRole('link', { name: 'Executions' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/executions'));
    await waitFor(() => expect(button.getAttribute('aria-expanded')).toBe('false'));
  });
});
