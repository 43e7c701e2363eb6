import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeLive } from '../../test/fake-live';
import { json, mockFetch, type RecordedRequest, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import { authStore } from '../store/auth-store';

const health = json(200, { ok: true, version: '1.0.0' });
const at = '2025-01-01T10:00:00.000Z';
const schedule = {
  id: 'tr_1',
  key: 'wf-digest-abc123',
  workflowId: 'wf_a',
  type: 'schedule',
  enabled: true,
  schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', catchUp: 'latest', catchUpWindowSeconds: 86400, overlap: 'skip' },
  description: 'At 09:00, Monday through Friday (Europe/Berlin)',
  nextRunAt: '2030-01-07T08:00:00.000Z',
  lastDelivery: null,
  createdAt: at,
  updatedAt: at,
};
const hook = {
  ...schedule,
  id: 'tr_2',
  key: 'wf-hook-def456',
  workflowId: 'wf_b',
  type: 'webhook',
  enabled: false,
  schedule: undefined,
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
};
const workflows = [
  { id: 'wf_a', version: 1, definition: { name: 'Digest', steps: [] }, createdAt: at, updatedAt: at },
  { id: 'wf_b', version: 1, definition: { name: 'Deploy notes', steps: [] }, createdAt: at, updatedAt: at },
];
const delivery = {
  id: 'dl_1',
  triggerKey: schedule.key,
  kind: 'schedule',
  scheduledFor: at,
  receivedAt: at,
  executionId: 'ex_9',
  status: 'started',
  latencyMs: 12,
};

beforeEach(() => {
  authStore.setStatus('unknown');
  Object.defineProperty(navigator, 'clipboard', { value: { writeText: vi.fn(async () => {}) }, configurable: true });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('schedules & hooks', () => {
  it('shows skeletons, then a card per trigger: words, zone, next run, URL, workflow, deliveries', async () => {
    let release: (r: Response) => void = () => {};
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/triggers': () => new Promise<Response>((resolve) => (release = resolve)),
      'GET /api/workflows': json(200, { workflows }),
      [`GET /api/triggers/${schedule.key}/deliveries`]: json(200, {
        deliveries: [delivery, { ...delivery, id: 'dl_0', executionId: undefined, status: 'skipped', reason: 'overlap' }],
        nextBefore: null,
        counts: [],
      }),
      [`GET /api/triggers/${hook.key}/deliveries`]: json(200, { deliveries: [], nextBefore: null, counts: [] }),
    });
    renderApp('/automation/schedules-and-hooks');
    expect(await screen.findByLabelText('Loading triggers')).toBeTruthy();
    expect(screen.queryByText('No schedules or webhooks yet')).toBeNull();
    await waitFor(() => expect(requests.some((r) => r.path === '/api/triggers')).toBe(true));
    release(json(200, { triggers: [schedule, hook] }));

    const cards = await screen.findAllByTestId('trigger-card');
    expect(cards).toHaveLength(2);
    const [daily, webhook] = cards as [HTMLElement, HTMLElement];
    expect(within(daily).getByTestId('trigger-words').textContent).toBe('At 09:00 AM, Monday through Friday');
    expect(within(daily).getByText('Europe/Berlin')).toBeTruthy();
    expect(within(daily).getByText(/Next run/)).toBeTruthy();
    expect(within(daily).getByRole('link', { name: 'Digest' }).getAttribute('href')).toBe('/automation/workflows/wf_a');
    const deliveries = await within(daily).findByRole('list', { name: 'Last deliveries' });
    expect(within(deliveries).getByRole('link', { name: 'View run' }).getAttribute('href')).toBe('/automation/executions/ex_9');
    expect(within(deliveries).getByText('overlap')).toBeTruthy();
    expect((within(daily).getByRole('switch') as HTMLInputElement).checked).toBe(true);

    expect(webhook.className).toContain('is-disabled');
    expect(within(webhook).getByTestId('trigger-url').textContent).toBe(`POST ${window.location.origin}/hooks/deploys/github`);
    expect(within(webhook).getByRole('button', { name: 'Copy URL' })).toBeTruthy();
    expect(await within(webhook).findByText('Not fired yet.')).toBeTruthy();
    expect(within(webhook).getByTestId('trigger-scheme').textContent).toBe('Unsigned');
    expect((within(webhook).getByRole('switch') as HTMLInputElement).checked).toBe(false);
  });

  it('turns a trigger on with the full body, enabled flipped, and keeps it in place', async () => {
    let current = hook;
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/triggers': () => json(200, { triggers: [schedule, current] }),
      'GET /api/workflows': json(200, { workflows }),
      [`PUT /api/triggers/${hook.key}`]: ({ body }: RecordedRequest) => {
        current = { ...hook, enabled: (body as { enabled: boolean }).enabled };
        return json(200, current);
      },
    });
    renderApp('/automation/schedules-and-hooks');
    const cards = await screen.findAllByTestId('trigger-card');
    fireEvent.click(within(cards[1]!).getByRole('switch'));
    await waitFor(() => expect(requests.some((r) => r.method === 'PUT')).toBe(true));
    expect(requests.find((r) => r.method === 'PUT')).toEqual({
      method: 'PUT',
      path: `/api/triggers/${hook.key}`,
      body: {
        workflowId: 'wf_b',
        type: 'webhook',
        enabled: true,
        webhook: { path: 'deploys/github', verify: 'none', rateLimitPerMinute: 60, allowBrowser: false, respondWithOutput: false },
      },
    });
    await waitFor(() => expect(screen.getAllByTestId('trigger-card')[1]!.className).not.toContain('is-disabled'));
    expect(screen.getAllByTestId('trigger-card').map((c) => c.getAttribute('data-trigger-key'))).toEqual([schedule.key, hook.key]);
  });

  it('switches a signed hook without its secret (an omitted secret is kept), and shows how to sign', async () => {
    const signed = { ...hook, enabled: true, webhook: { ...hook.webhook, verify: 'weft', hasSecret: true } };
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/triggers': json(200, { triggers: [signed] }),
      'GET /api/workflows': json(200, { workflows }),
      [`GET /api/triggers/${hook.key}/deliveries`]: json(200, {
        deliveries: [],
        nextBefore: null,
        counts: [{ minute: at, status: 'rejected', reason: 'bad_signature', count: 1987 }],
      }),
      [`PUT /api/triggers/${hook.key}`]: ({ body }: RecordedRequest) => json(200, { ...signed, enabled: (body as { enabled: boolean }).enabled }),
    });
    renderApp('/automation/schedules-and-hooks');
    const card = await screen.findByTestId('trigger-card');
    expect(within(card).getByTestId('trigger-scheme').textContent).toBe('Signed: Weft');
    expect(within(card).getByText('secret set')).toBeTruthy();
    // Refused calls are shown as counts.
    const counts = await within(card).findByRole('list', { name: 'Refused calls and replays' });
    expect(counts.textContent).toContain(`${(1987).toLocaleString()} × bad_signature`);
    // The curl example reads the secret from the environment: it is not on screen.
    expect(within(card).getByTestId('signing-example').textContent).toContain(`x-weft-signature: sha256=$sig`);
    expect(within(card).getByTestId('signing-example').textContent).toContain(`printf '%s' "$ts./hooks/deploys/github.$body"`);
    fireEvent.click(within(card).getByRole('switch'));
    await waitFor(() => expect(requests.some((r) => r.method === 'PUT')).toBe(true));
    const put = requests.find((r) => r.method === 'PUT')!.body as { enabled: boolean; webhook: object };
    expect(put.enabled).toBe(false);
    expect(put.webhook).toEqual({ path: 'deploys/github', verify: 'weft', rateLimitPerMinute: 60, allowBrowser: false, respondWithOutput: false });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('makes a new secret on request and shows it once, with a copy button and in the example', async () => {
    const signed = { ...hook, enabled: true, webhook: { ...hook.webhook, verify: 'weft', hasSecret: true } };
    const fresh = 'whsec_freshly-generated-by-the-server-0123456789';
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/triggers': json(200, { triggers: [signed] }),
      'GET /api/workflows': json(200, { workflows }),
      [`GET /api/triggers/${hook.key}/deliveries`]: json(200, { deliveries: [], nextBefore: null, counts: [] }),
      [`PUT /api/triggers/${hook.key}`]: json(200, { ...signed, webhook: { ...signed.webhook, secret: fresh } }),
    });
    renderApp('/automation/schedules-and-hooks');
    const card = await screen.findByTestId('trigger-card');
    fireEvent.click(within(card).getByRole('button', { name: 'New secret' }));
    const dialog = await screen.findByRole('dialog', { name: 'Make a new signing secret?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Make new secret' }));
    expect((await within(card).findByTestId('revealed-secret')).textContent).toBe(fresh);
    expect(requests.find((r) => r.method === 'PUT')?.body).toMatchObject({ webhook: { path: 'deploys/github', verify: 'weft', regenerateSecret: true } });
    expect((requests.find((r) => r.method === 'PUT')!.body as { webhook: object }).webhook).not.toHaveProperty('secret');
    expect(within(card).getByTestId('signing-example').textContent).toContain(`WEFT_HOOK_SECRET='${fresh}'`);
    fireEvent.click(within(card).getByRole('button', { name: 'Copy' }));
    expect(navigator.clipboard.writeText).toHaveBeenCalledWith(fresh);
    fireEvent.click(within(card).getByRole('button', { name: 'Done' }));
    expect(within(card).queryByTestId('revealed-secret')).toBeNull();
    expect(card.textContent).not.toContain(fresh);
  });

  it('shows the empty state only when there are none, and errors with Retry', async () => {
    let fail = true;
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/workflows': json(200, { workflows: [] }),
      'GET /api/triggers': () => (fail ? json(500, { error: { code: 'internal', message: 'Internal server error' } }) : json(200, { triggers: [] })),
    });
    renderApp('/automation/schedules-and-hooks');
    expect(await screen.findByText('Could not load schedules and hooks')).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No schedules or webhooks yet')).toBeTruthy();
    expect(screen.getAllByRole('link', { name: 'New workflow' }).length).toBeGreaterThan(0);
  });

  it('follows the triggers topic: a delivery refetches the list and that trigger’s deliveries, not the others’', async () => {
    const live = installFakeLive();
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': health,
      'GET /api/events': () => json(200, { events: [], lastSeq: live.lastSeq('triggers'), hasMore: false }),
      'GET /api/triggers': json(200, { triggers: [schedule, hook] }),
      'GET /api/workflows': json(200, { workflows }),
      [`GET /api/triggers/${schedule.key}/deliveries`]: json(200, { deliveries: [], nextBefore: null, counts: [] }),
      [`GET /api/triggers/${hook.key}/deliveries`]: json(200, { deliveries: [], nextBefore: null, counts: [] }),
    });
    renderApp('/automation/schedules-and-hooks');
    await screen.findAllByTestId('trigger-card');
    await waitFor(() => expect(live.isSubscribed('triggers')).toBe(true));
    const count = (path: string) => requests.filter((r) => r.method === 'GET' && r.path === path).length;
    const hookDeliveries = `/api/triggers/${hook.key}/deliveries?limit=5`;
    const dailyDeliveries = `/api/triggers/${schedule.key}/deliveries?limit=5`;
    // The first load is over once each card has fetched its deliveries: the counts below start there.
    await waitFor(() => expect(count(hookDeliveries) > 0 && count(dailyDeliveries) > 0).toBe(true));
    const before = {
      list: count('/api/triggers'),
      hook: count(hookDeliveries),
      daily: count(dailyDeliveries),
      events: count('/api/events?topic=triggers&limit=1'),
    };

    live.append('triggers', 'delivery.recorded', { ...delivery, triggerKey: hook.key });
    await waitFor(() => expect(count(hookDeliveries)).toBe(before.hook + 1));
    await waitFor(() => expect(count('/api/triggers')).toBe(before.list + 1));
    expect(count(dailyDeliveries)).toBe(before.daily);
    // A new per-minute count of refused calls refetches that trigger's deliveries too.
    live.append('triggers', 'delivery.counted', { triggerKey: schedule.key, minute: at, status: 'rejected', reason: 'rate_limited', count: 1 });
    await waitFor(() => expect(count(dailyDeliveries)).toBe(before.daily + 1));
    expect(count(hookDeliveries)).toBe(before.hook + 1);
    // The topic head is not read again on an event.
    expect(count('/api/events?topic=triggers&limit=1')).toBe(before.events);
    expect(before.events).toBe(1);
  });
});
