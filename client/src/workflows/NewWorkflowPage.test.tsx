import { flushMeasurements } from '../../test/react-flow-shims';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { WorkflowDefinition } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, type RecordedRequest, signedIn } from '../../test/fetch-mock';
import { createMemoryRouter } from 'react-router';
import { renderApp } from '../../test/render-app';
import { createQueryClient } from '../api/query-client';
import { App } from '../App';
import { routes } from '../routes';
import { authStore } from '../store/auth-store';

const drafted: WorkflowDefinition = {
  name: 'Weekday hello',
  steps: [
    { id: 'say', type: 'bash', name: 'Say hello', command: 'echo hello' },
    { id: 'tell', type: 'notify', name: 'Notify me', message: '{{ steps.say.output.stdout }}' },
  ],
};
const refined: WorkflowDefinition = { ...drafted, steps: [{ id: 'say', type: 'bash', name: 'Say hi', command: 'echo hi' }, drafted.steps[1]!] };
const offline = { attempts: 1, provider: 'offline', model: 'offline', unhandled: [] as string[], understood: true };

function server({ suggest = true }: { suggest?: boolean } = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
    'POST /api/workflows/draft': () =>
      json(200, {
        definition: drafted,
        ...(suggest ? { trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } } } : {}),
        ...offline,
      }),
    'POST /api/workflows/draft/step': ({ body }: RecordedRequest) =>
      (body as { stepId: string }).stepId === 'say'
        ? json(200, { definition: refined, ...offline })
        : json(404, { error: { code: 'not_found', message: 'step not found' } }),
    'POST /api/workflows': ({ body }: RecordedRequest) =>
      json(201, {
        id: 'wf_new',
        version: 1,
        definition: (body as { definition: unknown }).definition,
        createdAt: '2025-01-01T10:00:00.000Z',
        updatedAt: '2025-01-01T10:00:00.000Z',
      }),
    'GET /api/workflows/wf_new': json(200, {
      id: 'wf_new',
      version: 1,
      definition: refined,
      createdAt: '2025-01-01T10:00:00.000Z',
      updatedAt: '2025-01-01T10:00:00.000Z',
    }),
  });
}

const nodeOf = (id: string) => document.querySelector<HTMLElement>(`.react-flow__node[data-id="${id}"]`);
const changed = (id: string) => nodeOf(id)?.querySelector('[data-changed="true"]') != null;

async function send(text: string) {
  const input = screen.getByTestId('draft-input');
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('new workflow by chat', () => {
  it('drafts from a prompt, refines only the selected step with it highlighted, and undoes', async () => {
    const { requests } = server();
    renderApp('/automation/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow', level: 1 });
    expect(screen.getByText('Your workflow appears here')).toBeTruthy();

    // Shift+Enter is a new line, not a send.
    const input = screen.getByTestId('draft-input');
    fireEvent.change(input, { target: { value: 'every weekday at 9 say hello' } });
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(requests.some((r) => r.path === '/api/workflows/draft')).toBe(false);

    await send('every weekday at 9 say hello and notify me');
    await waitFor(() => expect(nodeOf('say')).not.toBeNull());
    await flushMeasurements();
    expect(requests.find((r) => r.path === '/api/workflows/draft')?.body).toMatchObject({
      prompt: 'every weekday at 9 say hello and notify me',
      timezone: expect.any(String),
    });
    const log = screen.getByTestId('draft-log');
    expect(within(log).getByText(/Drafted “Weekday hello” with 2 steps/)).toBeTruthy();
    expect(within(log).getByText('Offline drafter')).toBeTruthy();
    expect(within(log).getByText('1 attempt')).toBeTruthy();
    expect(changed('say') || changed('tell')).toBe(false);
    // The suggested trigger is filled in.
    expect((screen.getByTestId('cron-input') as HTMLInputElement).value).toBe('0 9 * * 1-5');
    expect(screen.getByTestId('cron-preview').textContent).toBe('At 09:00 AM, Monday through Friday');

    // Select a step: the next message refines only it.
    fireEvent.click(nodeOf('say')!);
    expect(within(screen.getByTestId('refining-step')).getByText('“Say hello”')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('draft-input')));
    await send('use echo hi instead');
    await waitFor(() => expect(changed('say')).toBe(true));
    expect(changed('tell')).toBe(false);
    expect(requests.find((r) => r.path === '/api/workflows/draft/step')?.body).toEqual({ definition: drafted, stepId: 'say', prompt: 'use echo hi instead' });
    expect(within(nodeOf('say')!).getByText('echo hi')).toBeTruthy();
    expect(within(log).getByText('Changed “Say hi”.')).toBeTruthy();

    // Undo restores the previous draft.
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(within(nodeOf('say')!).getByText('echo hello')).toBeTruthy());
    expect(within(log).getByText('Undid “use echo hi instead”.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Undo' }) as HTMLButtonElement).disabled).toBe(true);

    // A follow-up without a selected step refines the whole draft.
    fireEvent.click(within(screen.getByTestId('refining-step')).getByRole('button', { name: 'Refine the whole workflow instead' }));
    await send('and tell me at the end');
    await waitFor(() => expect(requests.filter((r) => r.path === '/api/workflows/draft')).toHaveLength(2));
    expect(requests.filter((r) => r.path === '/api/workflows/draft')[1]!.body).toMatchObject({ prompt: 'and tell me at the end', baseDraft: drafted });
  });

  it('compares the draft with the one before the last change, marked, before it is saved', async () => {
    server();
    renderApp('/automation/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow', level: 1 });
    const compare = screen.getByRole('button', { name: 'Compare' }) as HTMLButtonElement;
    await send('every weekday at 9 say hello and notify me');
    await waitFor(() => expect(nodeOf('say')).not.toBeNull());
    expect(compare.disabled).toBe(true);
    fireEvent.click(nodeOf('say')!);
    await send('use echo hi instead');
    await waitFor(() => expect(changed('say')).toBe(true));

    fireEvent.click(compare);
    expect(compare.getAttribute('aria-pressed')).toBe('true');
    await flushMeasurements();
    const view = await screen.findByTestId('version-compare');
    const mark = (side: string, id: string) => view.querySelector(`[data-side="${side}"] [data-step-id="${id}"]`)?.getAttribute('data-diff') ?? null;
    expect(mark('before', 'say')).toBe('changed');
    expect(mark('after', 'say')).toBe('changed');
    expect(mark('after', 'tell')).toBeNull();
    expect(within(view.querySelector<HTMLElement>('[data-side="after"] [data-step-id="say"]')!).getByTestId('diff-fields').textContent).toBe(
      'Changed fields: name, command',
    );
    fireEvent.click(compare);
    await waitFor(() => expect(screen.queryByTestId('version-compare')).toBeNull());
  });

  it('needs a trigger before Save, then saves the workflow and its trigger in one request', async () => {
    const { requests } = server({ suggest: false });
    const { router } = renderApp('/automation/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow', level: 1 });
    const save = screen.getByTestId('save-workflow') as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect(screen.getByText('Draft a workflow first.')).toBeTruthy();

    await send('say hello');
    await waitFor(() => expect(nodeOf('say')).not.toBeNull());
    expect(save.disabled).toBe(true);
    expect(screen.getByText('Choose how the workflow starts.')).toBeTruthy();

    const form = screen.getByTestId('trigger-form');
    fireEvent.click(within(form).getByRole('radio', { name: /Schedule/ }));
    expect(save.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('cron-input'), { target: { value: '*/15 * * * *' } });
    expect(screen.getByTestId('cron-preview').textContent).toBe('Every 15 minutes');
    expect(save.disabled).toBe(false);

    await act(async () => fireEvent.click(save));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/workflows/wf_new'));
    const post = requests.find((r) => r.method === 'POST' && r.path === '/api/workflows')!;
    const trigger = (post.body as { trigger: Record<string, unknown> }).trigger;
    expect((post.body as { definition: unknown }).definition).toEqual(drafted);
    expect(trigger).toMatchObject({ type: 'schedule', enabled: true, schedule: { cron: '*/15 * * * *' } });
    expect(String(trigger.key)).toMatch(/^wf-weekday-hello-[a-z0-9]{6}$/);
  });

  it('shows a failed draft with its errors and attempts', async () => {
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: '1.0.0' }),
      'POST /api/workflows/draft': json(422, {
        error: {
          code: 'draft_invalid',
          message: 'the model did not produce a valid workflow in 3 attempts',
          details: { errors: [{ path: 'definition.steps[0].command', message: 'is required' }], attempts: 3, lastDraft: {} },
        },
      }),
    });
    renderApp('/automation/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow', level: 1 });
    await send('do something');
    const error = await screen.findByText('The model did not produce a valid workflow in 3 attempts.');
    const bubble = error.closest('li')!;
    expect(within(bubble).getByText('definition.steps[0].command')).toBeTruthy();
    expect(within(bubble).getByText('3 attempts')).toBeTruthy();
  });

  it('opens a draft handed over from chat, with its suggested webhook', async () => {
    server();
    const router = createMemoryRouter(routes, {
      initialEntries: [{ pathname: '/automation/workflows/new', state: { draft: { definition: drafted, trigger: { type: 'webhook' } } } }],
    });
    render(<App router={router} queryClient={createQueryClient()} />);
    await screen.findByRole('heading', { name: 'New workflow', level: 1 });
    await waitFor(() => expect(nodeOf('say')).not.toBeNull());
    expect((within(screen.getByTestId('trigger-form')).getByRole('radio', { name: /Webhook/ }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByTestId('webhook-url').textContent).toMatch(/\/hooks\/weekday-hello-[a-z0-9]{8}$/);
    expect((screen.getByTestId('save-workflow') as HTMLButtonElement).disabled).toBe(false);
  });
});
