import { flushMeasurements } from '../../test/react-flow-shims';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { conditionalDefinition, linearDefinition } from '../diagram/fixtures/definitions';
import { authStore } from '../store/auth-store';

const current = { id: 'wf_1', version: 2, definition: conditionalDefinition, createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-02T10:00:00.000Z' };
const versions = [
  { version: 2, createdAt: '2025-01-02T10:00:00.000Z', name: 'Branching', source: 'update', rolledBackFrom: null },
  { version: 1, createdAt: '2025-01-01T10:00:00.000Z', name: 'Linear', source: 'create', rolledBackFrom: null },
];

function server() {
  return mockFetch({
    'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
    'GET /api/workflows': json(200, { workflows: [] }),
    'GET /api/workflows/wf_1': json(200, current),
    'GET /api/workflows/wf_1/versions': json(200, { versions }),
    'GET /api/workflows/wf_1/versions/1': json(200, { ...current, version: 1, definition: linearDefinition }),
    'POST /api/workflows/wf_1/rollback': ({ body }) => json(200, { ...current, version: 3, definition: linearDefinition, rolledBackFrom: (body as { version: number }).version }),
    'DELETE /api/workflows/wf_1': json(204),
  });
}

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function open(path = '/automation/workflows/wf_1') {
  const app = renderApp(path);
  await screen.findByRole('heading', { name: 'Branching', level: 1 });
  await flushMeasurements();
  return app;
}

describe('workflow page', () => {
  it('shows the header, the diagram in view mode and the versions', async () => {
    server();
    await open();
    expect(screen.getByRole('region', { name: 'Diagram of Branching' })).toBeTruthy();
    expect(screen.getByText('make build')).toBeTruthy();
    expect(screen.getByText('then')).toBeTruthy();
    const history = screen.getByRole('heading', { name: 'Versions' }).closest('section')!;
    expect(await within(history).findByText('Current')).toBeTruthy();
    expect(within(history).getByText(/Edited/)).toBeTruthy();
    expect(within(history).getByText(/Created/)).toBeTruthy();
  });

  it('shows an older version on request', async () => {
    server();
    await open();
    fireEvent.click(await screen.findByRole('button', { name: 'View' }));
    expect(await screen.findByText(/You are looking at version 1/)).toBeTruthy();
    expect(await screen.findByText('Summarise notes')).toBeTruthy();
  });

  it('restores an old version after confirming', async () => {
    const { requests } = server();
    await open();
    fireEvent.click(await screen.findByRole('button', { name: 'Restore' }));
    const dialog = await screen.findByRole('dialog', { name: 'Restore version 1?' });
    expect(within(dialog).getByText(/new version, v3/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Restore' }));
    await waitFor(() => expect(requests).toContainEqual({ method: 'POST', path: '/api/workflows/wf_1/rollback', body: { version: 1 } }));
  });

  it('deletes after confirming and returns to the list', async () => {
    const { requests } = server();
    const { router } = await open();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete “Branching”?' });
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete workflow' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/workflows'));
    expect(requests).toContainEqual({ method: 'DELETE', path: '/api/workflows/wf_1', body: undefined });
    expect(await screen.findByText(/Deleted “Branching”/)).toBeTruthy();
  });

  it('opens the step inspector when a step is clicked', async () => {
    server();
    await open();
    fireEvent.click(document.querySelector('.react-flow__node[data-id="ask"]')!);
    const inspector = await screen.findByRole('region', { name: 'Selected step' });
    expect(within(inspector).getByText('steps[1].then[0]')).toBeTruthy();
    expect(within(inspector).getByText('Approval')).toBeTruthy();
  });
});
