import '../../../test/react-flow-shims';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { WORKFLOW_EXPORT_FORMAT, WORKFLOW_TEMPLATES, type WorkflowDefinition } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, signedIn, type RecordedRequest } from '../../../test/fetch-mock';
import { renderApp } from '../../../test/render-app';
import { authStore } from '../../store/auth-store';
import { readWorkflowJson } from './StartingPoints';

const offline = { attempts: 1, provider: 'offline', model: 'offline' };
const diskCheck: WorkflowDefinition = {
  name: 'Check disk usage',
  steps: [
    { id: 'check_disk', type: 'bash', command: 'df -h' },
    { id: 'notify', type: 'notify', message: 'done' },
  ],
};
const stamp = { createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-01T10:00:00.000Z' };

function server(draft: Record<string, unknown> = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
    'POST /api/workflows/draft': () => json(200, { definition: diskCheck, unhandled: [], understood: true, ...offline, ...draft }),
    'POST /api/workflows/draft/step': ({ body }: RecordedRequest) =>
      json(200, { definition: (body as { definition: unknown }).definition, unhandled: ['make it sparkle'], understood: true, ...offline }),
    'POST /api/workflows/import': ({ body }: RecordedRequest) =>
      json(201, {
        id: 'wf_imported',
        version: 1,
        definition: (body as { definition: unknown }).definition,
        ...stamp,
        warnings: [
          {
            code: 'webhook_path_taken',
            field: 'trigger.webhook.path',
            message: '/hooks/a is used by trigger "x", so the webhook was imported at /hooks/a-2, disabled',
          },
        ],
      }),
  });
}

async function send(text: string) {
  const input = screen.getByTestId('draft-input');
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}
const openPage = async () => {
  renderApp('/automation/workflows/new');
  await screen.findByRole('heading', { name: 'New workflow', level: 1 });
};

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('starting points on the new-workflow page', () => {
  it('offers every template and the empty workflow; a template fills the composer, its name and its trigger', async () => {
    server();
    await openPage();
    const gallery = screen.getByRole('list', { name: 'Workflow templates' });
    expect(within(gallery).getAllByRole('listitem')).toHaveLength(WORKFLOW_TEMPLATES.length);
    expect(within(screen.getByTestId('template-github-issues-digest')).getByText(/Needs: The GitHub integration "github"/)).toBeTruthy();

    // The composer remounts with what was chosen, so the field is looked up afresh.
    const name = () => screen.getByTestId('workflow-name') as HTMLInputElement;
    expect(name().disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Use template: Scheduled check with a notification' }));
    await waitFor(() => expect(name().value).toBe('Disk space report'));
    expect(name().disabled).toBe(false);
    expect((screen.getByTestId('cron-input') as HTMLInputElement).value).toBe('0 9 * * 1-5');

    fireEvent.click(screen.getByText('Start from a template, an empty workflow or JSON'));
    fireEvent.click(screen.getByRole('button', { name: 'Empty workflow' }));
    await waitFor(() => expect(name().value).toBe('Untitled workflow'));
  });

  it('renames through the name field, and refuses an empty name before Save', async () => {
    server();
    await openPage();
    fireEvent.click(screen.getByRole('button', { name: 'Use template: Loop over a list' }));
    const name = (await screen.findByTestId('workflow-name')) as HTMLInputElement;
    await waitFor(() => expect(name.value).toBe('Per-item task'));
    fireEvent.change(name, { target: { value: '' } });
    expect(screen.getAllByText('A workflow needs a name.').length).toBeGreaterThan(0);
    expect((screen.getByTestId('save-workflow') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: 'Items' } });
    expect(screen.getByRole('heading', { name: 'Items', level: 2 })).toBeTruthy();
  });

  it('imports a pasted export file and shows its warnings; a bare definition opens in the composer', async () => {
    const { requests } = server();
    await openPage();
    const box = screen.getByLabelText('Workflow JSON');
    const file = { format: WORKFLOW_EXPORT_FORMAT, definition: diskCheck, trigger: { key: 'a', type: 'webhook', webhook: { path: 'a' } } };
    fireEvent.change(box, { target: { value: JSON.stringify(file) } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Load' })));
    const status = await screen.findByText(/imported at \/hooks\/a-2, disabled/);
    expect(status.closest('[role="status"]')?.textContent).toMatch(/Imported “Check disk usage”/);
    expect(requests.find((r) => r.path === '/api/workflows/import')?.body).toEqual(file);

    fireEvent.change(box, { target: { value: JSON.stringify(diskCheck) } });
    fireEvent.click(screen.getByRole('button', { name: 'Load' }));
    await waitFor(() => expect((screen.getByTestId('workflow-name') as HTMLInputElement).value).toBe('Check disk usage'));
  });

  it('says an imported trigger is off and how to turn it on, and shows its new webhook secret once', async () => {
    const trigger = {
      id: 'tr_1',
      key: 'deploys',
      workflowId: 'wf_imported',
      type: 'webhook',
      enabled: false,
      webhook: {
        path: 'deploys',
        url: '/hooks/deploys',
        verify: 'weft',
        hasSecret: true,
        secret: 'whsec_fresh-from-the-import',
        rateLimitPerMinute: 60,
        allowBrowser: false,
        respondWithOutput: false,
      },
      description: 'POST /hooks/deploys',
      nextRunAt: null,
      lastDelivery: null,
      ...stamp,
    };
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
      'POST /api/workflows/import': ({ body }: RecordedRequest) =>
        json(201, {
          id: 'wf_imported',
          version: 1,
          definition: (body as { definition: unknown }).definition,
          ...stamp,
          trigger,
          triggerDisabled: true,
          warnings: [],
        }),
    });
    await openPage();
    const file = {
      format: WORKFLOW_EXPORT_FORMAT,
      definition: diskCheck,
      trigger: { key: 'deploys', type: 'webhook', enabled: true, webhook: { path: 'deploys' } },
    };
    fireEvent.change(screen.getByLabelText('Workflow JSON'), { target: { value: JSON.stringify(file) } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Load' })));
    const off = await screen.findByTestId('imported-trigger-off');
    expect(off.textContent).toMatch(/The webhook is off: an imported workflow never runs on its own until you turn it on/);
    expect(within(off).getByRole('link', { name: 'Schedules & hooks' }).getAttribute('href')).toBe('/automation/schedules-and-hooks');
    expect(off.closest('[role="status"]')?.textContent).toMatch(/with its webhook trigger \(disabled\)/);
    expect(screen.getByTestId('imported-secret').textContent).toBe('whsec_fresh-from-the-import');
  });

  it('reads pasted text as an export, a definition, or says what is wrong', () => {
    expect(readWorkflowJson('{').kind).toBe('invalid');
    expect(readWorkflowJson('{"format":"other/1","definition":{}}')).toEqual({ kind: 'invalid', message: 'This file\'s format is not "weft.workflow/1".' });
    expect(readWorkflowJson(JSON.stringify({ name: 'x', steps: [] }))).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/^This is not a valid workflow: steps/),
    });
    expect(readWorkflowJson(JSON.stringify(diskCheck))).toEqual({ kind: 'definition', definition: diskCheck });
  });
});

describe('honest drafting in the composer', () => {
  it('lists what the draft left out and does not say "Drafted" as if everything was understood', async () => {
    server({ unhandled: ['if any disk is over 80%'] });
    await openPage();
    await send('check disk usage and if any disk is over 80%, notify me');
    const log = screen.getByTestId('draft-log');
    expect((await within(log).findByTestId('draft-unhandled')).textContent).toBe('Not in this draft: if any disk is over 80%');
    expect(within(log).queryByText(/^Drafted “Check disk usage” with 2 steps\.$/)).toBeNull();
    expect(within(log).getByText(/Drafted part of the request as “Check disk usage”/)).toBeTruthy();
  });

  it('says so when the drafter could not read the request, and offers the templates and the JSON editor', async () => {
    server({ unhandled: ['frobnicate the widgets'], understood: false });
    await openPage();
    // Close the gallery first, so "Browse templates" visibly opens it again.
    fireEvent.click(screen.getByText('Start from a template, an empty workflow or JSON'));
    await send('frobnicate the widgets');
    expect(await screen.findByText(/could not read this request, so there is no draft/)).toBeTruthy();
    expect(screen.getByText('Your workflow appears here')).toBeTruthy();
    const details = screen.getByText('Start from a template, an empty workflow or JSON').closest('details')!;
    expect(details.open).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Browse templates' }));
    await waitFor(() => expect(details.open).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: 'Write it as JSON' }));
    expect(await screen.findByRole('region', { name: 'JSON' })).toBeTruthy();
  });

  it('a step refine the drafter could not apply leaves the step unchanged and says so', async () => {
    server();
    await openPage();
    await send('check disk usage and notify me');
    await waitFor(() => expect(document.querySelector('.react-flow__node[data-id="check_disk"]')).not.toBeNull());
    fireEvent.click(document.querySelector('.react-flow__node[data-id="check_disk"]')!);
    await send('make it sparkle');
    const log = screen.getByTestId('draft-log');
    expect(await within(log).findByText(/I could not apply this to “.*” as asked, so the step is unchanged/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Undo' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
