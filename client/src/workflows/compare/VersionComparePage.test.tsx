import { flushMeasurements } from '../../../test/react-flow-shims';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn } from '../../../test/fetch-mock';
import { renderApp } from '../../../test/render-app';
import { conditionalDefinition, linearDefinition } from '../../diagram/fixtures/definitions';
import { authStore } from '../../store/auth-store';

const v1 = { id: 'wf_1', version: 1, definition: linearDefinition, createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-01T10:00:00.000Z' };
const v2 = { ...v1, version: 2, definition: conditionalDefinition };
// The server's answer is what the page draws (here deliberately not the local diff: `announce` is only marked by it).
const summary = { added: ['build'], removed: ['announce'], changed: [], moved: [] };

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('version compare page', () => {
  it('draws both versions with the marks the diff endpoint answered, and the changes in words', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
      'GET /api/workflows/wf_1/versions/1': json(200, v1),
      'GET /api/workflows/wf_1/versions/2': json(200, v2),
      'GET /api/workflows/wf_1/diff?from=1&to=2': json(200, summary),
    });
    renderApp('/automation/workflows/wf_1/compare?from=1&to=2');
    expect(await screen.findByRole('heading', { name: 'Compare v1 with v2', level: 1 })).toBeTruthy();
    await flushMeasurements();
    await waitFor(() => expect(document.querySelector('[data-side="after"] [data-step-id="build"]')?.getAttribute('data-diff')).toBe('added'));
    expect(document.querySelector('[data-side="before"] [data-step-id="announce"]')?.getAttribute('data-diff')).toBe('removed');
    expect(within(screen.getByTestId('version-diff')).getByText('Added build')).toBeTruthy();
    expect(requests.map((r) => r.path)).toContain('/api/workflows/wf_1/diff?from=1&to=2');
  });

  it('says which version is missing', async () => {
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
      'GET /api/workflows/wf_1/versions/1': json(200, v1),
      'GET /api/workflows/wf_1/versions/9': json(404, { error: { code: 'not_found', message: 'version 9 of workflow wf_1 not found' } }),
      'GET /api/workflows/wf_1/diff?from=1&to=9': json(404, { error: { code: 'version_not_found', message: 'to: version 9 of workflow wf_1 not found' } }),
    });
    renderApp('/automation/workflows/wf_1/compare?from=1&to=9');
    expect(await screen.findByText('Could not load the versions to compare')).toBeTruthy();
    expect(screen.getByText(/version 9 of workflow wf_1 not found/i)).toBeTruthy();
  });
});
