import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn, signedInAs } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const health = json(200, { ok: true, version: '1.0.0' });
const entry = (id: number, action: string) => ({
  id,
  at: new Date(Date.now() - 60_000).toISOString(),
  actor: { kind: 'user', id: 'usr_ana', name: 'Ana' },
  action,
  target: { kind: 'workflow', id: 'wf_1' },
  details: { name: 'Backup' },
});

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('audit page', () => {
  it('lists entries newest first, filters by actor, action and target, pages older, and exports the same filters', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/audit': json(200, { entries: [entry(9, 'workflow.updated'), entry(8, 'workflow.created')], nextBefore: 8 }),
      'GET /api/audit?before=8': json(200, { entries: [entry(3, 'auth.signed_in')], nextBefore: null }),
      'GET /api/audit?actor=usr_ana&action=workflow.*&target=workflow%3Awf_1': json(200, { entries: [entry(9, 'workflow.updated')], nextBefore: null }),
    });
    renderApp('/settings/audit');
    const list = await screen.findByRole('list', { name: 'Audit entries' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('code')?.textContent),
    ).toEqual(['workflow.updated', 'workflow.created']);
    expect(within(list).getAllByText(/by Ana/)).toHaveLength(2);

    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Audit entries' })).getAllByRole('listitem')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: 'Load older' })).toBeNull();

    const form = screen.getByRole('form', { name: 'Filter the audit log' });
    fireEvent.change(within(form).getByLabelText('Actor id'), { target: { value: 'usr_ana' } });
    fireEvent.change(within(form).getByLabelText('Action'), { target: { value: 'workflow.*' } });
    fireEvent.change(within(form).getByLabelText('Target'), { target: { value: 'workflow:wf_1' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Audit entries' })).getAllByRole('listitem')).toHaveLength(1));
    expect(requests.map((r) => r.path)).toContain('/api/audit?actor=usr_ana&action=workflow.*&target=workflow%3Awf_1');
    expect(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe('/api/audit.csv?actor=usr_ana&action=workflow.*&target=workflow%3Awf_1');
  });

  it('says why to someone without the admin permission, and asks the server nothing', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedInAs({ id: 'usr_1', name: 'Vi', role: 'viewer', scopes: ['read'] }),
      'GET /api/health': health,
    });
    renderApp('/settings/audit');
    expect((await screen.findByRole('alert')).textContent).toMatch(/Needs the “admin” permission/);
    expect(screen.queryByRole('link', { name: 'Export CSV' })).toBeNull();
    expect(requests.some((r) => r.path.startsWith('/api/audit'))).toBe(false);
  });
});
