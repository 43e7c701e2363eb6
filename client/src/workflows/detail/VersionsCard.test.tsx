import '../../../test/react-flow-shims';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn } from '../../../test/fetch-mock';
import { renderApp } from '../../../test/render-app';
import { linearDefinition } from '../../diagram/fixtures/definitions';
import { authStore } from '../../store/auth-store';

/** The version history names the failed run a fix applied as a version for. */

const AT = '2025-01-01T10:00:00.000Z';
const current = { id: 'wf_1', version: 4, definition: { ...linearDefinition, name: 'Disk check' }, createdAt: AT, updatedAt: AT };
const entry = (version: number, extra: Record<string, unknown> = {}) => ({
  version,
  createdAt: AT,
  name: 'Disk check',
  source: 'update',
  rolledBackFrom: null,
  ...extra,
});

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('version history', () => {
  it('links a version a fix made to the run it fixes, with the fix’s summary as text', async () => {
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: 'test' }),
      'GET /api/workflows': json(200, { workflows: [] }),
      'GET /api/workflows/wf_1': json(200, current),
      'GET /api/workflows/wf_1/versions': json(200, {
        versions: [
          entry(4, { fix: { id: 'fx_2', executionId: 'ex_9', summary: null } }),
          entry(3, { fix: { id: 'fx_1', executionId: 'ex_7', summary: 'disk threshold read from the wrong field <b>now</b>' } }),
          entry(2),
          entry(1, { source: 'create' }),
        ],
      }),
    });
    renderApp('/automation/workflows/wf_1');
    const history = (await screen.findByRole('heading', { name: 'Versions' })).closest('section')!;
    const lines = await within(history).findAllByTestId('version-fix');
    expect(lines.map((line) => line.textContent)).toEqual([
      'Version 4: Fixes run ex_9',
      'Version 3: Fixes run ex_7 — disk threshold read from the wrong field <b>now</b>',
    ]);
    expect(within(lines[1]!).getByRole('link', { name: 'ex_7' }).getAttribute('href')).toBe('/automation/executions/ex_7');
    expect(lines[1]!.querySelector('b')).toBeNull();
    expect(lines[1]!.closest('li')?.textContent).toMatch(/^v3/);
  });
});
