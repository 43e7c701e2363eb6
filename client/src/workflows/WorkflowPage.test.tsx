import { flushMeasurements } from '../../test/react-flow-shims';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn, signedInAs } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { conditionalDefinition, linearDefinition } from '../diagram/fixtures/definitions';
import { authStore } from '../store/auth-store';

const current = { id: 'wf_1', version: 2, definition: conditionalDefinition, createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-02T10:00:00.000Z' };
const versions = [
  { version: 2, createdAt: '2025-01-02T10:00:00.000Z', name: 'Branching', source: 'update', rolledBackFrom: null },
  { version: 1, createdAt: '2025-01-01T10:00:00.000Z', name: 'Linear', source: 'create', rolledBackFrom: null },
];

function server(me: () => Response = signedIn, extra: Parameters<typeof mockFetch>[0] = {}) {
  return mockFetch({
    ...extra,
    'GET /api/me': me,
    'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
    'GET /api/workflows': json(200, { workflows: [] }),
    'GET /api/workflows/wf_1': json(200, current),
    'GET /api/workflows/wf_1/versions': json(200, { versions }),
    'GET /api/workflows/wf_1/versions/1': json(200, { ...current, version: 1, definition: linearDefinition }),
    'GET /api/workflows/wf_1/versions/2': json(200, current),
    'POST /api/workflows/wf_1/rollback': ({ body }) =>
      json(200, { ...current, version: 3, definition: linearDefinition, rolledBackFrom: (body as { version: number }).version }),
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
  it('disables what a viewer cannot do, saying why, and leaves an operator only Run', async () => {
    const person = (role: string, scopes: string[]) => signedInAs({ id: 'usr_1', name: 'Ana', role, scopes });
    server(person('viewer', ['read']));
    await open();
    const run = screen.getByTestId('run-workflow') as HTMLButtonElement;
    expect(run.disabled).toBe(true);
    expect(run.title).toMatch(/Needs the “run” permission.*your role \(viewer\) does not include it/);
    expect(document.getElementById(run.getAttribute('aria-describedby')!)?.textContent).toBe(run.title);
    // Edit is a link for those who may edit, a disabled button with the reason for others.
    expect(screen.queryByRole('link', { name: 'Edit' })).toBeNull();
    expect((screen.getByRole('button', { name: 'Edit' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Delete' }) as HTMLButtonElement).title).toMatch(/“write” permission/);
    cleanup();

    server(person('operator', ['read', 'run']));
    await open();
    expect((screen.getByTestId('run-workflow') as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByRole('button', { name: 'Delete' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole('link', { name: 'Edit' })).toBeNull();
  });

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

describe('workflow page: run, compare, edit', () => {
  const withInputs = {
    ...current,
    id: 'wf_2',
    version: 1,
    definition: {
      name: 'Deploy',
      inputs: {
        region: { type: 'string', required: true },
        count: { type: 'number', default: 2 },
        dry: { type: 'boolean', default: true },
        confirm: { type: 'boolean', required: true },
        tags: { type: 'array' },
      },
      steps: [{ id: 'go', type: 'bash', command: 'echo {{ inputs.region }}' }],
    },
  };

  it('runs with inputs from a generated form; the server’s 422 appears at its field', async () => {
    let attempt = 0;
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
      'GET /api/workflows/wf_2': json(200, withInputs),
      'GET /api/workflows/wf_2/versions': json(200, { versions: [versions[1]] }),
      'POST /api/workflows/wf_2/run': () =>
        ++attempt === 1
          ? json(422, {
              error: {
                code: 'invalid_inputs',
                message: 'inputs.region: unknown region',
                details: { errors: [{ path: 'inputs.region', message: 'unknown region' }] },
              },
            })
          : json(202, { executionId: 'ex_42' }),
      'GET /api/executions/ex_42': json(404, { error: { code: 'not_found', message: 'no' } }),
    });
    const { router } = renderApp('/automation/workflows/wf_2');
    await screen.findByRole('heading', { name: 'Deploy', level: 1 });
    fireEvent.click(screen.getByTestId('run-workflow'));
    const dialog = await screen.findByRole('dialog', { name: 'Run with these inputs' });
    expect((within(dialog).getByLabelText(/count/) as HTMLInputElement).value).toBe('2');
    expect((within(dialog).getByLabelText(/dry/) as HTMLInputElement).checked).toBe(true);
    expect(
      within(dialog)
        .getByLabelText(/region/)
        .getAttribute('aria-required'),
    ).toBe('true');
    expect(
      within(dialog)
        .getByLabelText(/confirm/)
        .getAttribute('aria-required'),
    ).toBe('true');
    expect(within(dialog).getByLabelText(/dry/).getAttribute('aria-required')).not.toBe('true');

    // Checked here first: a required field, then JSON that is not an array.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start run' }));
    expect(within(dialog).getByText('Required')).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText(/region/), { target: { value: 'mars' } });
    fireEvent.change(within(dialog).getByLabelText(/tags/), { target: { value: '{"a":1}' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start run' }));
    expect(within(dialog).getByText(/Must be a JSON array/)).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);

    fireEvent.change(within(dialog).getByLabelText(/tags/), { target: { value: '["x"]' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start run' }));
    const fieldError = await within(dialog).findByText('unknown region');
    expect(fieldError.closest('[data-input]')?.getAttribute('data-input')).toBe('region');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ inputs: { region: 'mars', count: 2, dry: true, confirm: false, tags: ['x'] } });

    fireEvent.change(within(dialog).getByLabelText(/region/), { target: { value: 'eu-west' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/executions/ex_42'));
  });

  it('shows a pending proposal as the compare view: the version it was made on beside the proposed definition', async () => {
    const proposed = {
      ...conditionalDefinition,
      steps: [{ id: 'build', type: 'bash', command: 'make build -j4' }, conditionalDefinition.steps[1], { id: 'smoke', type: 'bash', command: './smoke.sh' }],
    };
    const proposal = (id: string, status: string, summary: string | null) => ({
      id,
      workflowId: 'wf_1',
      baseVersion: 2,
      definition: proposed,
      diff: [],
      summary,
      status,
      proposedBy: 'assistant',
      sessionId: null,
      createdAt: '2025-01-03T10:00:00.000Z',
      reviewedBy: null,
      reviewedAt: null,
      reviewComment: null,
      appliedVersion: null,
    });
    server(signedIn, {
      'GET /api/workflows/wf_1/proposals': json(200, {
        proposals: [proposal('prop_1', 'open', 'Faster build, smoke test'), proposal('prop_0', 'rejected', 'Old idea')],
      }),
    });
    await open();
    const card = await screen.findByTestId('proposals');
    expect(within(card).getByText('Faster build, smoke test')).toBeTruthy();
    expect(within(card).queryByText('Old idea')).toBeNull();
    fireEvent.click(within(card).getByRole('button', { name: 'Show changes' }));
    const view = await within(card).findByTestId('version-compare');
    await flushMeasurements();
    await waitFor(() => expect(view.querySelector('[data-side="after"] [data-step-id="smoke"]')?.getAttribute('data-diff')).toBe('added'));
    expect(view.querySelector('[data-side="after"] [data-step-id="build"]')?.getAttribute('data-diff')).toBe('changed');
    expect(view.querySelector('[data-side="before"] [data-step-id="deploy"]')?.getAttribute('data-diff')).toBe('removed');
    expect(within(view).getByRole('heading', { name: 'Proposed' })).toBeTruthy();
  });

  it('opens the compare page from the versions card, and from an old `?from&to` link', async () => {
    server();
    const { router } = await open();
    const form = await screen.findByRole('form', { name: 'Compare versions' });
    fireEvent.click(within(form).getByRole('button', { name: 'Compare' }));
    await waitFor(() => expect(router.state.location.pathname + router.state.location.search).toBe('/automation/workflows/wf_1/compare?from=1&to=2'));
    cleanup();

    server();
    const old = renderApp('/automation/workflows/wf_1?from=2&to=1');
    await waitFor(() => expect(old.router.state.location.pathname + old.router.state.location.search).toBe('/automation/workflows/wf_1/compare?from=2&to=1'));
  });

  it('edits through the create flow: Save is a PUT on the version it opened; an unchanged trigger is not sent', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
      'GET /api/workflows': json(200, { workflows: [] }),
      'GET /api/workflows/wf_1': json(200, current),
      'GET /api/workflows/wf_1/versions': json(200, { versions }),
      'GET /api/triggers': json(200, { triggers: [] }),
      'POST /api/workflows/draft/step': ({ body }) => {
        const definition = (body as { definition: typeof conditionalDefinition }).definition;
        return json(200, {
          definition: { ...definition, steps: [{ id: 'build', type: 'bash', command: 'make all' }, ...definition.steps.slice(1)] },
          attempts: 2,
          provider: 'anthropic',
          model: 'claude-test',
          unhandled: [],
          understood: true,
        });
      },
      'PUT /api/workflows/wf_1': ({ body }) => json(200, { ...current, version: 3, definition: (body as { definition: unknown }).definition }),
    });
    const { router } = renderApp('/automation/workflows/wf_1/edit');
    await screen.findByRole('heading', { name: 'Edit Branching', level: 1 });
    await flushMeasurements();
    expect(within(screen.getByTestId('trigger-form')).getByRole('radio', { name: /Manual/ })).toHaveProperty('checked', true);
    expect(screen.getByText('No changes yet.')).toBeTruthy();

    fireEvent.click(document.querySelector('.react-flow__node[data-id="build"]')!);
    const input = screen.getByTestId('draft-input');
    fireEvent.change(input, { target: { value: 'make all instead' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(document.querySelector('.react-flow__node[data-id="build"] [data-changed="true"]')).not.toBeNull());
    expect(screen.getAllByText('anthropic · claude-test').length).toBeGreaterThan(0);
    expect(screen.getAllByText('2 attempts').length).toBeGreaterThan(0);

    fireEvent.click(screen.getByTestId('save-workflow'));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/workflows/wf_1'));
    const put = requests.find((r) => r.method === 'PUT')!;
    expect(put.body).toMatchObject({ baseVersion: 2 });
    expect((put.body as { definition: typeof conditionalDefinition }).definition.steps[0]).toEqual({ id: 'build', type: 'bash', command: 'make all' });
    expect(put.body).not.toHaveProperty('trigger');
  });

  it('changes only the trigger without a new version, keeping the settings the form does not show, and Manual removes the trigger', async () => {
    const trigger = {
      id: 'tr_1',
      key: 'wf-branching-x1',
      workflowId: 'wf_1',
      type: 'schedule',
      enabled: true,
      schedule: { cron: '0 9 * * 1-5', timezone: 'UTC', catchUp: 'all', catchUpWindowSeconds: 3600, overlap: 'queue' },
      description: 'At 09:00 (UTC)',
      nextRunAt: null,
      lastDelivery: null,
      createdAt: '2025-01-01T10:00:00.000Z',
      updatedAt: '2025-01-01T10:00:00.000Z',
    };
    const routes = {
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
      'GET /api/workflows': json(200, { workflows: [] }),
      'GET /api/workflows/wf_1': json(200, current),
      'GET /api/workflows/wf_1/versions': json(200, { versions }),
      'GET /api/triggers': json(200, { triggers: [trigger] }),
      'PUT /api/triggers/wf-branching-x1': ({ body }: { body: unknown }) =>
        json(200, { ...trigger, schedule: { ...trigger.schedule, ...(body as { schedule: object }).schedule } }),
      'DELETE /api/triggers/wf-branching-x1': json(204),
    };
    const first = mockFetch(routes);
    const app = renderApp('/automation/workflows/wf_1/edit');
    await screen.findByRole('heading', { name: 'Edit Branching', level: 1 });
    expect((screen.getByTestId('cron-input') as HTMLInputElement).value).toBe('0 9 * * 1-5');
    fireEvent.change(screen.getByTestId('cron-input'), { target: { value: '0 10 * * 1-5' } });
    fireEvent.click(screen.getByTestId('save-workflow'));
    await waitFor(() => expect(app.router.state.location.pathname).toBe('/automation/workflows/wf_1'));
    expect(first.requests.some((r) => r.method === 'PUT' && r.path === '/api/workflows/wf_1')).toBe(false);
    expect(first.requests.find((r) => r.method === 'PUT')).toEqual({
      method: 'PUT',
      path: '/api/triggers/wf-branching-x1',
      body: {
        workflowId: 'wf_1',
        type: 'schedule',
        enabled: true,
        schedule: { cron: '0 10 * * 1-5', timezone: 'UTC', catchUp: 'all', catchUpWindowSeconds: 3600, overlap: 'queue' },
      },
    });
    cleanup();

    const second = mockFetch(routes);
    const again = renderApp('/automation/workflows/wf_1/edit');
    await screen.findByRole('heading', { name: 'Edit Branching', level: 1 });
    fireEvent.click(within(screen.getByTestId('trigger-form')).getByRole('radio', { name: /Manual/ }));
    fireEvent.click(screen.getByTestId('save-workflow'));
    await waitFor(() => expect(again.router.state.location.pathname).toBe('/automation/workflows/wf_1'));
    expect(second.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /api/triggers/wf-branching-x1']);
  });
});
