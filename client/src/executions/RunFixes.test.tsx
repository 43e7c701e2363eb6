import '../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ExecutionFix } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { type Handler, json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';

/** The run page's side of fixes: "Fix with the assistant" on a run that did not succeed, and its Fixes. */

const AT = new Date(Date.UTC(2025, 4, 1, 9)).toISOString();
const LATER = new Date(Date.UTC(2025, 4, 1, 9, 5)).toISOString();
const definition = { name: 'Disk check', steps: [{ id: 'check', type: 'bash', command: 'df -h' }] };
const run = (status: string) => ({
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 2,
  workflowName: 'Disk check',
  status,
  inputs: {},
  trigger: null,
  sessionId: null,
  createdAt: AT,
  startedAt: AT,
  finishedAt: status === 'running' ? null : AT,
  rerunOf: null,
});
const fix = (over: Partial<ExecutionFix>): ExecutionFix => ({
  id: 'fx_1',
  executionId: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 2,
  sessionId: 'ses_7',
  status: 'rerun',
  provider: 'anthropic',
  context: {
    executionId: 'ex_1',
    workflowId: 'wf_1',
    workflowName: 'Disk check',
    workflowVersion: 2,
    status: 'failed',
    inputs: { json: '{}', truncated: false },
    failedStep: null,
    logTail: [],
    feeders: [],
    rerunFromStepId: 'check',
  },
  diagnosis: 'The threshold is read from the wrong field.',
  summary: 'disk threshold read from the wrong field',
  proposalId: 'prop_1',
  proposalStatus: 'applied',
  appliedVersion: 3,
  rerunFromStepId: 'check',
  rerun: { executionId: 'ex_2', status: 'succeeded' },
  error: null,
  createdBy: 'owner',
  createdAt: AT,
  updatedAt: AT,
  ...over,
});

let live: FakeLive;

function server(status: string, fixes: ExecutionFix[], extra: Record<string, Handler | Response> = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/events': ({ path }) =>
      json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/executions/ex_1': json(200, { ...run(status), steps: [] }),
    'GET /api/executions/ex_1/fixes': json(200, { fixes }),
    'GET /api/workflows/wf_1/versions/2': json(200, { id: 'wf_1', version: 2, definition, createdAt: AT, updatedAt: AT }),
    'GET /api/sessions': json(200, { sessions: [] }),
    'GET /api/executions': json(200, { executions: [], nextBefore: null }),
    ...extra,
  });
}

async function open() {
  const app = renderApp('/automation/executions/ex_1');
  await screen.findByRole('heading', { name: /Disk check/, level: 1 });
  await waitFor(() => expect(live.isSubscribed('execution:ex_1')).toBe(true));
  return app;
}

const fixButton = () => screen.queryByRole('button', { name: 'Fix with the assistant' });

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('fixes on the run page', () => {
  it('"Fix with the assistant" asks for a fix in a new chat and opens that chat', async () => {
    const { requests } = server('failed', [], {
      'POST /api/executions/ex_1/fixes': json(202, { sessionId: 'ses_9', messageId: 'msg_1' }),
    });
    const { router } = await open();
    fireEvent.click(fixButton()!);
    await waitFor(() => expect(router.state.location.pathname).toBe('/chat/ses_9'));
    expect(requests.filter((r) => r.method === 'POST')).toEqual([{ method: 'POST', path: '/api/executions/ex_1/fixes', body: {} }]);
  });

  it('says why when the server refuses, and stays', async () => {
    server('canceled', [], {
      'POST /api/executions/ex_1/fixes': json(409, { error: { code: 'not_failed', message: 'run ex_1 succeeded: there is nothing to fix' } }),
    });
    const { router } = await open();
    fireEvent.click(fixButton()!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/nothing to fix/);
    expect(router.state.location.pathname).toBe('/automation/executions/ex_1');
  });

  it('offers the button only once the run did not succeed', async () => {
    server('running', []);
    await open();
    expect(fixButton()).toBeNull();
    await act(async () => {
      live.append('execution:ex_1', 'execution.updated', run('denied'));
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
    });
    await waitFor(() => expect(fixButton()).not.toBeNull());
  });

  it('lists the run’s fixes with their version and re-run, and adds one made elsewhere, live', async () => {
    server('failed', [fix({})], { 'GET /api/executions/ex_2': json(200, { ...run('succeeded'), id: 'ex_2', steps: [] }) });
    await open();
    const section = await screen.findByRole('region', { name: 'Fixes' });
    const row = section.querySelector<HTMLElement>('[data-fix-id="fx_1"]')!;
    expect(within(row).getByText('Applied as v3, re-run')).toBeTruthy();
    expect(within(row).getByText(/disk threshold read from the wrong field/)).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'Version 3' }).getAttribute('href')).toBe('/automation/workflows/wf_1?version=3');
    expect(within(row).getByRole('link', { name: 'ex_2' }).getAttribute('href')).toBe('/automation/executions/ex_2');
    expect(within(row).getByText('Succeeded')).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'Open its chat' }).getAttribute('href')).toBe('/chat/ses_7');

    await waitFor(() => expect(live.isSubscribed('workflows')).toBe(true));
    act(() => {
      live.append(
        'workflows',
        'fix.updated',
        fix({
          id: 'fx_2',
          status: 'diagnosing',
          diagnosis: null,
          summary: null,
          proposalId: null,
          proposalStatus: null,
          appliedVersion: null,
          rerun: null,
          createdAt: LATER,
          updatedAt: LATER,
        }),
      );
      // Another run's fix is not this run's.
      live.append('workflows', 'fix.updated', fix({ id: 'fx_3', executionId: 'ex_8' }));
    });
    await waitFor(() => expect(section.querySelectorAll('[data-fix-id]')).toHaveLength(2));
    expect([...section.querySelectorAll<HTMLElement>('[data-fix-id]')].map((li) => li.dataset.fixId)).toEqual(['fx_2', 'fx_1']);
    expect(within(section.querySelector<HTMLElement>('[data-fix-id="fx_2"]')!).getByText('Diagnosing…')).toBeTruthy();
  });

  it('shows no Fixes section while the run has none', async () => {
    server('failed', []);
    await open();
    await waitFor(() => expect(live.isSubscribed('workflows')).toBe(true));
    expect(screen.queryByRole('region', { name: 'Fixes' })).toBeNull();
  });
});
