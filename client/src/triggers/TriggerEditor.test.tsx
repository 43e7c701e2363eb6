import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeLive } from '../../test/fake-live';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const at = '2025-01-01T10:00:00.000Z';
const hook = {
  id: 'tr_2',
  key: 'wf-hook-def456',
  workflowId: 'wf_b',
  type: 'webhook',
  enabled: true,
  webhook: {
    path: 'deploys/github',
    url: '/hooks/deploys/github',
    verify: 'none',
    hasSecret: false,
    rateLimitPerMinute: 60,
    allowBrowser: false,
    respondWithOutput: false,
  },
  description: 'POST /hooks/deploys/github',
  nextRunAt: null,
  lastDelivery: null,
  createdAt: at,
  updatedAt: at,
};
const workflows = [
  { id: 'wf_a', version: 1, definition: { name: 'Digest', steps: [] }, createdAt: at, updatedAt: at },
  { id: 'wf_b', version: 1, definition: { name: 'Deploy notes', steps: [] }, createdAt: at, updatedAt: at },
];
const testDelivery = { id: 'dl_t', triggerKey: hook.key, kind: 'webhook', receivedAt: at, status: 'skipped', reason: 'test', latencyMs: 3 };

const baseRoutes = () => ({
  'GET /api/me': signedIn,
  'GET /api/health': json(200, { ok: true }),
  'GET /api/workflows': json(200, { workflows }),
  [`GET /api/triggers/${hook.key}/deliveries`]: json(200, { deliveries: [testDelivery], nextBefore: null, counts: [] }),
});

beforeEach(() => {
  authStore.setStatus('unknown');
  installFakeLive();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('managing triggers on Schedules & hooks', () => {
  it('creates a webhook for a chosen workflow; a taken path names the workflow that owns it', async () => {
    let list = [hook];
    const { requests } = mockFetch({
      ...baseRoutes(),
      'GET /api/triggers': () => json(200, { triggers: list }),
      'GET /api/triggers/webhook-paths/deploys/github': json(200, {
        path: 'deploys/github',
        available: false,
        triggerKey: hook.key,
        workflowId: 'wf_b',
        workflowName: 'Deploy notes',
      }),
      'GET /api/triggers/webhook-paths/digest/in': json(200, { path: 'digest/in', available: true }),
    });
    renderApp('/automation/schedules-and-hooks');
    fireEvent.click(await screen.findByRole('button', { name: 'New trigger' }));
    const editor = await screen.findByTestId('trigger-editor');
    fireEvent.change(within(editor).getByLabelText('Workflow'), { target: { value: 'wf_a' } });
    fireEvent.click(within(editor).getByRole('radio', { name: /Webhook/ }));
    const path = within(editor).getByLabelText(/^Path/);
    fireEvent.change(path, { target: { value: 'deploys/github' } });
    expect(await within(editor).findByText('/hooks/deploys/github is already used by the workflow “Deploy notes”. Choose another path.')).toBeTruthy();

    fireEvent.change(path, { target: { value: 'digest/in' } });
    await waitFor(() => expect(within(editor).queryByText(/already used/)).toBeNull());
    await waitFor(() => expect(requests.some((r) => r.path === '/api/triggers/webhook-paths/digest/in')).toBe(true));
    const created = { ...hook, id: 'tr_3', key: 'new', workflowId: 'wf_a', webhook: { ...hook.webhook, path: 'digest/in' } };
    mockFetchPut(requests, created, () => (list = [hook, created]));
    fireEvent.click(within(editor).getByRole('button', { name: 'Create trigger' }));
    await waitFor(() => expect(screen.queryByTestId('trigger-editor')).toBeNull());
    const put = requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toMatch(/^\/api\/triggers\/wf-/);
    expect(put.body).toMatchObject({ workflowId: 'wf_a', type: 'webhook', enabled: true, webhook: { path: 'digest/in' } });
    expect(put.body).not.toHaveProperty('key');
  });

  it('edits a trigger in place, deletes one after confirming, and opens a test delivery’s payload', async () => {
    let list = [hook];
    const { requests } = mockFetch({
      ...baseRoutes(),
      'GET /api/triggers': () => json(200, { triggers: list }),
      [`DELETE /api/triggers/${hook.key}`]: () => {
        list = [];
        return new Response(null, { status: 204 });
      },
      [`GET /api/triggers/${hook.key}/deliveries/dl_t/payload`]: json(200, { deliveryId: 'dl_t', source: 'test', payload: { body: { ping: 1 } } }),
    });
    renderApp('/automation/schedules-and-hooks');
    const card = await screen.findByTestId('trigger-card');
    fireEvent.click(await within(card).findByRole('button', { name: 'Payload' }));
    expect((await within(card).findByText(/"ping": 1/)).tagName).toBe('PRE');
    expect(within(card).getByRole('button', { name: 'Hide payload' }).getAttribute('aria-expanded')).toBe('true');

    fireEvent.click(within(card).getByRole('button', { name: 'Edit' }));
    const editor = await screen.findByTestId('trigger-editor');
    expect(within(editor).getByRole('heading', { name: 'Edit trigger for Deploy notes' })).toBeTruthy();
    expect((within(editor).getByLabelText(/^Path/) as HTMLInputElement).value).toBe('deploys/github');
    fireEvent.click(within(editor).getByRole('button', { name: 'Cancel' }));

    fireEvent.click(within(card).getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete this trigger?' });
    expect(within(dialog).getByText(/“Deploy notes” itself is kept/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'DELETE' && r.path === `/api/triggers/${hook.key}`)).toBe(true));
    expect(await screen.findByText('No schedules or webhooks yet')).toBeTruthy();
  });
});

/** Answers the editor's PUT (its key is generated, so it is matched by method). */
function mockFetchPut(requests: { method: string; path: string; body: unknown }[], saved: unknown, after: () => void) {
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if ((init?.method ?? 'GET') === 'PUT') {
      requests.push({ method: 'PUT', path: new URL(String(input), 'http://weft.test').pathname, body: JSON.parse(String(init?.body)) });
      after();
      return json(200, saved);
    }
    return original(input, init);
  }) as typeof fetch;
}
