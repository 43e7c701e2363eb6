import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';

const AT = (s: number) => new Date(Date.now() - 600_000 + s * 1000).toISOString();
const run = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  workflowId: 'wf_1',
  workflowVersion: 1,
  workflowName: 'Nightly backup',
  status,
  inputs: {},
  trigger: null,
  sessionId: null,
  createdAt: AT(Number(id.slice(3))),
  startedAt: AT(Number(id.slice(3))),
  finishedAt: null,
  ...extra,
});

let live: FakeLive;

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('executions page', () => {
  it('updates statuses and adds new runs live from the executions topic', async () => {
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: 'test' }),
      'GET /api/events': () => json(200, { events: [], lastSeq: live.lastSeq('executions'), hasMore: false }),
      'GET /api/executions': json(200, {
        executions: [
          run('ex_2', 'running', { startedBy: { kind: 'user', id: 'owner' } }),
          run('ex_1', 'succeeded', { finishedAt: AT(5), startedBy: { kind: 'schedule', id: 'nightly' } }),
        ],
        nextBefore: null,
      }),
      'GET /api/workflows': json(200, { workflows: [] }),
    });
    renderApp('/automation/executions');
    const list = await screen.findByRole('list', { name: 'Executions' });
    // Who started each run, by words: the API gives ids, the signed-in person is "you".
    await waitFor(() => expect(list.querySelector('[data-execution-id="ex_2"]')?.textContent).toMatch(/ by you/));
    expect(list.querySelector('[data-execution-id="ex_1"]')?.textContent).toMatch(/ by schedule nightly/);
    await waitFor(() => expect(live.isSubscribed('executions')).toBe(true));
    await act(async () => {
      live.append('executions', 'execution.updated', run('ex_2', 'succeeded', { finishedAt: AT(30) }));
      live.append('executions', 'execution.updated', run('ex_3', 'queued'));
    });
    await waitFor(() => expect(list.querySelector('[data-execution-id="ex_2"]')?.getAttribute('data-status')).toBe('succeeded'));
    expect([...list.querySelectorAll('li')].map((li) => li.getAttribute('data-execution-id'))).toEqual(['ex_3', 'ex_2', 'ex_1']);
    expect(within(list.querySelector('[data-execution-id="ex_3"]') as HTMLElement).getByText('Queued')).toBeTruthy();
  });

  it('filters by status, and keeps runs that stop matching out of the list', async () => {
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: 'test' }),
      'GET /api/events': () => json(200, { events: [], lastSeq: live.lastSeq('executions'), hasMore: false }),
      'GET /api/executions': ({ path }) =>
        json(200, {
          executions: path.includes('status=running') ? [run('ex_2', 'running')] : [run('ex_2', 'running'), run('ex_1', 'failed')],
          nextBefore: null,
        }),
      'GET /api/workflows': json(200, {
        workflows: [{ id: 'wf_1', version: 1, definition: { name: 'Nightly backup', steps: [] }, createdAt: AT(0), updatedAt: AT(0) }],
      }),
    });
    renderApp('/automation/executions');
    await screen.findByRole('list', { name: 'Executions' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'running' } });
    await waitFor(() => expect(requests.some((r) => r.path.startsWith('/api/executions?') && r.path.includes('status=running'))).toBe(true));
    const list = await screen.findByRole('list', { name: 'Executions' });
    await waitFor(() => expect(list.querySelectorAll('li')).toHaveLength(1));
    await waitFor(() => expect(live.isSubscribed('executions')).toBe(true));
    await act(async () => {
      live.append('executions', 'execution.updated', run('ex_2', 'succeeded', { finishedAt: AT(40) }));
    });
    expect(await screen.findByText('No runs match these filters')).toBeTruthy();
  });
});
