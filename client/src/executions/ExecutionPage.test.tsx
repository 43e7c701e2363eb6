import { flushMeasurements } from '../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, signedIn, signedInAs } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';

const AT = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
const TOPIC = 'execution:ex_1';
const definition = {
  name: 'Ship',
  steps: [
    { id: 'build', type: 'bash', name: 'Build', command: 'make' },
    { id: 'ok', type: 'approval', name: 'Go live?', message: 'Deploy build?' },
    { id: 'deploy', type: 'bash', name: 'Deploy', command: './deploy.sh' },
  ],
};
const summary = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 4,
  workflowName: 'Ship',
  status,
  inputs: { env: 'prod' },
  trigger: { type: 'webhook', key: 'ship', body: { ref: 'main' } },
  sessionId: null,
  createdAt: AT(0),
  startedAt: AT(0),
  finishedAt: null,
  rerunOf: null,
  ...extra,
});
const step = (stepId: string, status: string, extra: Record<string, unknown> = {}) => ({
  executionId: 'ex_1',
  stepId,
  iterationPath: '',
  attempt: 1,
  status,
  startedAt: AT(1),
  finishedAt: null,
  ...extra,
});
const approval = {
  id: 'apr_1',
  executionId: 'ex_1',
  workflowId: 'wf_1',
  stepId: 'ok',
  iterationPath: '',
  message: 'Deploy build 42?',
  approvers: [],
  requestedAt: AT(5),
  expiresAt: AT(999),
  status: 'pending',
};

let live: FakeLive;

function server({ me = signedIn }: { me?: ReturnType<typeof signedInAs> } = {}) {
  return mockFetch({
    'GET /api/me': me,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/events': json(200, { events: [], lastSeq: 0, hasMore: false }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/executions/ex_1': json(200, {
      ...summary('running'),
      steps: [{ stepId: 'build', iterationPath: '', attempt: 1, status: 'running', startedAt: AT(1), finishedAt: null, input: { command: 'make' } }],
    }),
    'GET /api/workflows/wf_1/versions/4': json(200, { id: 'wf_1', version: 4, definition, createdAt: AT(0), updatedAt: AT(0) }),
    'POST /api/executions/ex_1/cancel': json(200, { ...summary('canceled', { finishedAt: AT(20) }), steps: [] }),
    'POST /api/executions/ex_1/rerun': json(202, { executionId: 'ex_2' }),
    'POST /api/approvals/apr_1/decision': json(200, {
      ...approval,
      status: 'denied',
      decision: { decision: 'deny', decidedBy: 'owner', decidedAt: AT(9), comment: 'Not on Friday' },
    }),
  });
}

async function emit(events: [string, unknown][]) {
  await act(async () => {
    for (const [type, data] of events) live.append(TOPIC, type, data);
    await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
  });
}

const node = (id: string) => document.querySelector(`.react-flow__node[data-id="${id}"] [data-status]`)?.getAttribute('data-status');

async function open() {
  const app = renderApp('/automation/executions/ex_1');
  await screen.findByRole('heading', { name: /Ship/, level: 1 });
  await screen.findByRole('region', { name: 'Run of Ship' });
  await flushMeasurements();
  await waitFor(() => expect(live.isSubscribed(TOPIC)).toBe(true));
  return app;
}

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('execution page', () => {
  it('follows the run live from the start of its journal: statuses, live output, approvals (no polling)', async () => {
    const { requests } = server();
    // Events from before the page opened replay: a reload shows what a watcher saw.
    live.append(TOPIC, 'step.log', { executionId: 'ex_1', stepId: 'build', iterationPath: '', attempt: 1, stream: 'stdout', text: 'compiling…\n' });
    await open();
    expect(live.sent).toContainEqual({ type: 'subscribe', topic: TOPIC, after: 0 });
    expect(node('build')).toBe('running');

    fireEvent.click(screen.getByRole('button', { name: /Build/ }));
    const panel = await screen.findByRole('region', { name: 'Selected step' });
    expect(within(panel).getByText('Live output')).toBeTruthy();
    expect(within(panel).getByText('compiling…')).toBeTruthy();
    await emit([['step.log', { executionId: 'ex_1', stepId: 'build', iterationPath: '', attempt: 1, stream: 'stderr', text: 'warning: old compiler\n' }]]);
    expect(within(panel).getByText('warning: old compiler')).toBeTruthy();

    await emit([
      [
        'step.updated',
        step('build', 'succeeded', { finishedAt: AT(3), output: { stdout: 'compiling…\nbuilt\n', stderr: 'warning: old compiler\n', exitCode: 0 } }),
      ],
      ['step.updated', step('ok', 'waiting', { startedAt: AT(5) })],
      ['approval.requested', approval],
      ['execution.updated', summary('waiting')],
    ]);
    expect(node('build')).toBe('succeeded');
    expect(node('ok')).toBe('waiting');
    expect(within(panel).getByText('stdout')).toBeTruthy();
    expect(within(panel).getByText('Exit code 0')).toBeTruthy();
    expect(screen.getByText(/This run is waiting for an approval/)).toBeTruthy();
    expect(screen.getAllByText('Waiting').length).toBeGreaterThan(0);

    // The approval step's own panel holds the full card: deny with a comment.
    fireEvent.click(screen.getAllByRole('button', { name: /Go live\?/ })[0]!);
    const card = await within(screen.getByRole('region', { name: 'Selected step' })).findByRole('article', { name: 'Approval needed' });
    fireEvent.click(within(card).getByRole('button', { name: 'Add a comment' }));
    fireEvent.change(within(card).getByLabelText(/Comment/), { target: { value: 'Not on Friday' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Deny' }));
    expect(await screen.findByText('Not on Friday')).toBeTruthy();
    expect(requests.some((r) => r.path === '/api/executions/ex_1' && r.method === 'GET')).toBe(true);
    expect(requests.filter((r) => r.path === '/api/executions/ex_1').length).toBe(1);
  });

  it('a run canceled while its approval waits drops the card and the waiting notice live (approval.closed)', async () => {
    server();
    await open();
    await emit([
      ['step.updated', step('ok', 'waiting', { startedAt: AT(5) })],
      ['approval.requested', approval],
      ['execution.updated', summary('waiting')],
    ]);
    expect(screen.getByText(/This run is waiting for an approval/)).toBeTruthy();
    await waitFor(() => expect(document.querySelector('.approval-toolbar [data-approval-id="apr_1"]')).not.toBeNull());

    const closed = { reason: 'execution_canceled', message: 'The run was canceled before anyone decided.', closedAt: AT(9) };
    await emit([
      ['step.updated', step('ok', 'canceled', { startedAt: AT(5), finishedAt: AT(9), error: { name: 'Canceled', message: 'execution canceled' } })],
      ['approval.closed', { ...approval, status: 'closed', closed }],
      ['execution.updated', summary('canceled', { finishedAt: AT(9), error: { name: 'Canceled', message: 'canceled by user' } })],
    ]);
    await waitFor(() => expect(screen.queryByText(/This run is waiting for an approval/)).toBeNull());
    expect(document.querySelector('.approval-toolbar [data-approval-id="apr_1"]')).toBeNull();
    // The approval step's own panel says why nobody can decide it any more.
    fireEvent.click(screen.getAllByRole('button', { name: /Go live\?/ })[0]!);
    const card = await within(screen.getByRole('region', { name: 'Selected step' })).findByRole('article', { name: 'Closed' });
    expect(within(card).getByText(/The run was canceled before anyone decided\./)).toBeTruthy();
    expect(within(card).queryByRole('button', { name: 'Approve' })).toBeNull();
  });

  it('a denied run reads as who denied it and why, not as an error class name', async () => {
    server();
    await open();
    await emit([['execution.updated', summary('denied', { finishedAt: AT(9), error: { name: 'ApprovalDenied', message: 'Denied by alice: Not on Friday' } })]]);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Denied by alice: Not on Friday.');
  });

  it('a run pruned by retention reads as a tombstone naming it, not as an error', async () => {
    mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: 'test' }),
      'GET /api/executions/ex_1': json(410, { error: { code: 'execution_pruned', message: 'run ex_1 was pruned by retention' } }),
    });
    renderApp('/automation/executions/ex_1');
    expect(await screen.findByText('Run pruned')).toBeTruthy();
    expect(screen.getByText(/Run ex_1 was pruned/)).toBeTruthy();
    expect(screen.queryByText('Could not load this execution')).toBeNull();
    expect(screen.getByRole('link', { name: 'All executions' }).getAttribute('href')).toBe('/automation/executions');
  });

  it('says who started the run: "by you" for the signed-in person, a link to the parent run for a workflow', async () => {
    server();
    await open();
    const header = () => screen.getByRole('heading', { name: /Ship/, level: 1 }).closest('header') ?? document.body;
    await emit([['execution.updated', summary('running', { startedBy: { kind: 'user', id: 'owner' } })]]);
    await waitFor(() => expect(header().textContent).toMatch(/Started .+ by you/));
    await emit([['execution.updated', summary('running', { startedBy: { kind: 'workflow', id: 'ex_parent' } })]]);
    const parent = await within(header()).findByRole('link', { name: 'by workflow' });
    expect(parent.getAttribute('href')).toBe('/automation/executions/ex_parent');
    expect(header().textContent).not.toMatch(/by you/);
  });

  it("links to the run's chat only when the server names it (null for a reader who may not read that chat)", async () => {
    server();
    await open();
    expect(screen.queryByRole('link', { name: 'Open its chat' })).toBeNull();
    await emit([['execution.updated', summary('running', { sessionId: 'ses_9' })]]);
    const link = await screen.findByRole('link', { name: 'Open its chat' });
    expect(link.getAttribute('href')).toBe('/chat/ses_9');
    await emit([['execution.updated', summary('running', { sessionId: null })]]);
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Open its chat' })).toBeNull());
  });

  it('shows inputs, trigger and step outputs as variables', async () => {
    server();
    await open();
    await emit([['step.updated', step('build', 'succeeded', { finishedAt: AT(3), output: { stdout: 'built', stderr: '', exitCode: 0 } })]]);
    const variables = screen.getByRole('region', { name: 'Variables' });
    expect(within(variables).getByText('inputs')).toBeTruthy();
    expect(within(variables).getByText(/"env": "prod"/)).toBeTruthy();
    expect(within(variables).getByText(/"ref": "main"/)).toBeTruthy();
    expect(within(variables).getByText('steps.build.output — Build')).toBeTruthy();
  });

  it('cancels after confirming, and re-runs from a chosen step on the latest version', async () => {
    const { requests } = server();
    const { router } = await open();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Cancel this run?' })).getByRole('button', { name: 'Cancel run' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST' && r.path === '/api/executions/ex_1/cancel')).toBe(true));
    await emit([['execution.updated', summary('canceled', { finishedAt: AT(20) })]]);
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull());

    fireEvent.click(screen.getByRole('button', { name: 'Re-run…' }));
    const dialog = screen.getByRole('dialog', { name: 'Run this workflow again' });
    fireEvent.change(within(dialog).getByLabelText('Start from'), { target: { value: 'deploy' } });
    fireEvent.click(within(dialog).getByLabelText(/The latest version/));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start the new run' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/automation/executions/ex_2'));
    expect(requests.find((r) => r.path === '/api/executions/ex_1/rerun')?.body).toEqual({ fromStepId: 'deploy', version: 'latest' });
  });

  it('offers an operator (no write) only the latest version, since an earlier one may lack a gate added since', async () => {
    const { requests } = server({ me: signedInAs({ id: 'op', name: 'op', role: 'operator', scopes: ['read', 'run'] }) });
    await open();
    await emit([['execution.updated', summary('failed', { finishedAt: AT(20) })]]);
    fireEvent.click(await screen.findByRole('button', { name: 'Re-run…' }));
    const dialog = screen.getByRole('dialog', { name: 'Run this workflow again' });
    const same = within(dialog).getByLabelText(/The same version/) as HTMLInputElement;
    expect(same.disabled).toBe(true);
    expect((within(dialog).getByLabelText(/The latest version/) as HTMLInputElement).checked).toBe(true);
    expect(within(dialog).getByText(/running one needs the “write” permission/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start the new run' }));
    await waitFor(() => expect(requests.find((r) => r.path === '/api/executions/ex_1/rerun')?.body).toEqual({ version: 'latest' }));
  });
});
