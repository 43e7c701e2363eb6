import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, type Handler, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';
import type { InboxApproval } from '../api/approvals';
import { createQueryClient } from '../api/query-client';
import { ApprovalCard } from './ApprovalCard';

const AT = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const stepApproval = (extra: Partial<InboxApproval> = {}) =>
  ({
    kind: 'step',
    id: 'apr_1',
    executionId: 'ex_1',
    workflowId: 'wf_1',
    stepId: 'sign_off',
    iterationPath: 'each[1]',
    message: 'Deploy build 42 to production?',
    approvers: [],
    requestedAt: AT(5),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    status: 'pending',
    ...extra,
  }) as InboxApproval;

const toolApproval = {
  kind: 'tool',
  id: 'tap_1',
  sessionId: 'ses_1',
  executionId: null,
  workflowId: null,
  stepId: null,
  iterationPath: '',
  tool: { name: 'workflows:delete_workflow', arguments: { id: 'wf_old' } },
  message: 'Delete workflow "Old report"?',
  approvers: [],
  requestedAt: AT(1),
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  status: 'pending',
} as const;

const decided = (by: string, decision: 'approve' | 'deny' = 'approve', comment: string | null = null) =>
  stepApproval({ status: decision === 'approve' ? 'approved' : 'denied', decision: { decision, decidedBy: by, decidedAt: AT(0), comment } });

const definition = {
  name: 'Release',
  steps: [
    { id: 'build', type: 'bash', name: 'Build', command: 'make' },
    { id: 'each', type: 'loop', over: ['a', 'b'], steps: [{ id: 'sign_off', type: 'approval', name: 'Sign off', message: 'ok?' }] },
  ],
};

let live: FakeLive;

function routes(extra: Record<string, Handler | Response> = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/events': ({ path }) =>
      json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    'GET /api/approvals': json(200, { approvals: [stepApproval(), toolApproval] }),
    'GET /api/executions/ex_1': json(200, {
      id: 'ex_1',
      workflowId: 'wf_1',
      workflowVersion: 3,
      workflowName: 'Release',
      status: 'waiting',
      inputs: {},
      trigger: null,
      sessionId: null,
      createdAt: AT(10),
      startedAt: AT(10),
      finishedAt: null,
      steps: [
        { stepId: 'build', iterationPath: '', attempt: 1, status: 'succeeded', startedAt: AT(10), finishedAt: AT(9) },
        { stepId: 'sign_off', iterationPath: 'each[0]', attempt: 1, status: 'succeeded', startedAt: AT(9), finishedAt: AT(8) },
        { stepId: 'sign_off', iterationPath: 'each[1]', attempt: 1, status: 'waiting', startedAt: AT(5), finishedAt: null },
      ],
    }),
    'GET /api/workflows/wf_1/versions/3': json(200, { id: 'wf_1', version: 3, definition, createdAt: AT(60), updatedAt: AT(60) }),
    ...extra,
  });
}

function renderCards(approval: InboxApproval, copies = 1) {
  const queryClient = createQueryClient();
  const cards = Array.from({ length: copies }, (_, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: copies of one approval; their position is the only identity they have.
    <ApprovalCard key={i} approval={approval} context={i === 0 ? 'inbox' : 'chat'} />
  ));
  const router = createMemoryRouter([{ path: '/', element: cards }]);
  return render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('ApprovalCard', () => {
  it('explains what is asked: workflow, step, iteration, what ran so far, and a link to the run', async () => {
    routes();
    renderCards(stepApproval());
    const card = screen.getByRole('article', { name: 'Approval needed' });
    expect(within(card).getByText('Deploy build 42 to production?')).toBeTruthy();
    await within(card).findByText('Release');
    expect(within(card).getByText('v3')).toBeTruthy();
    await within(card).findByText('Sign off');
    expect(within(card).getByText(/each #2 · b/)).toBeTruthy();
    expect(within(card).getByText('✓ Build')).toBeTruthy();
    expect(within(card).getByRole('link', { name: 'View the run →' }).getAttribute('href')).toBe('/automation/executions/ex_1');
  });

  it('approves with a comment and shows who decided, on every card of that approval at once', async () => {
    const { requests } = routes({ 'POST /api/approvals/apr_1/decision': json(200, decided('owner', 'approve', 'Ship it')) });
    renderCards(stepApproval(), 2);
    const [first] = screen.getAllByRole('article', { name: 'Approval needed' });
    fireEvent.click(within(first!).getByRole('button', { name: 'Add a comment' }));
    fireEvent.change(within(first!).getByLabelText(/Comment/), { target: { value: 'Ship it' } });
    fireEvent.click(within(first!).getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(screen.getAllByRole('article', { name: 'Approved' })).toHaveLength(2));
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ decision: 'approve', comment: 'Ship it' });
    expect(screen.getAllByText('owner')).toHaveLength(2);
    expect(screen.getAllByText('Ship it')).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
  });

  it('deciding after someone else did shows the decision that stands (409 already_decided)', async () => {
    routes({
      'POST /api/approvals/apr_1/decision': json(409, { error: { code: 'already_decided', message: 'approval apr_1 was already denied by alice' } }),
      'GET /api/approvals/apr_1': json(200, decided('alice', 'deny', 'Not today')),
    });
    renderCards(stepApproval());
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    const card = await screen.findByRole('article', { name: 'Denied' });
    expect(within(card).getByText('alice')).toBeTruthy();
    expect(within(card).getByText('Not today')).toBeTruthy();
    expect(within(card).getByText(/already decided when you answered/)).toBeTruthy();
    expect(within(card).queryByRole('alert')).toBeNull();
  });

  it('shows who approved so far and who may still decide ("1 of 2 approvals: ana approved")', () => {
    routes();
    renderCards(
      stepApproval({
        approvers: { roles: ['admin'], users: ['ana@example.com'] },
        approvalsNeeded: 2,
        approvalsSoFar: 1,
        decisions: [{ by: { id: 'ana', name: 'ana' }, decision: 'approve', comment: null, at: AT(1) }],
        mayDecide: true,
      }),
    );
    const card = screen.getByRole('article', { name: 'Approval needed' });
    expect(within(card).getByTestId('approval-tally').textContent).toBe('1 of 2 approvals: ana approved');
    expect(within(card).getByText('May decide: user ana@example.com or role admin')).toBeTruthy();
    expect((within(card).getByRole('button', { name: 'Approve' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('disables Approve and Deny with the reason when the person may not decide', () => {
    const { requests } = routes();
    renderCards(stepApproval({ mayDecide: false, whyNot: 'You started this run, so someone else must decide it.' }));
    const card = screen.getByRole('article', { name: 'Approval needed' });
    const approve = within(card).getByRole('button', { name: 'Approve' }) as HTMLButtonElement;
    const deny = within(card).getByRole('button', { name: 'Deny' }) as HTMLButtonElement;
    expect(approve.disabled && deny.disabled).toBe(true);
    expect(within(card).getByRole('note').textContent).toBe('You started this run, so someone else must decide it.');
    expect(approve.getAttribute('aria-describedby')).toBe(within(card).getByRole('note').id);
    fireEvent.click(approve);
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('a 403 not_an_approver answered anyway shows its message and disables the buttons', async () => {
    routes({
      'POST /api/approvals/apr_1/decision': json(403, {
        error: { code: 'not_an_approver', message: 'Only role admin may decide this approval.', details: { reason: 'not_named' } },
      }),
    });
    renderCards(stepApproval());
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    const card = screen.getByRole('article', { name: 'Approval needed' });
    await within(card).findByText('Only role admin may decide this approval.');
    expect((within(card).getByRole('button', { name: 'Deny' }) as HTMLButtonElement).disabled).toBe(true);
    expect(within(card).queryByRole('alert')).toBeNull();
  });

  it('shows a tool approval with the tool and its arguments', () => {
    routes();
    renderCards(toolApproval as unknown as InboxApproval);
    const card = screen.getByRole('article', { name: 'The assistant asks before running a tool' });
    expect(within(card).getByText('workflows:delete_workflow')).toBeTruthy();
    expect(within(card).getByText(/"wf_old"/)).toBeTruthy();
    expect(within(card).getByRole('link', { name: 'open the chat' }).getAttribute('href')).toBe('/chat/ses_1');
  });
});

/** The nav's Approvals link, whose name reads out the pending count. */
const approvalsLink = (pending: number) => screen.getByRole('link', { name: new RegExp(`^Approvals\\s*${pending} pending$`) });

const closed = (reason = 'execution_canceled', message = 'The run was canceled before anyone decided.') =>
  stepApproval({ status: 'closed', closed: { reason: reason as 'execution_canceled', message, closedAt: AT(0) } });

/** The inbox open on its two waiting cards, following the topic, the badge counting both. */
async function openInboxOfTwo(): Promise<HTMLElement> {
  renderApp('/approvals');
  const list = await screen.findByRole('list', { name: 'Waiting approvals' });
  expect(within(list).getAllByRole('article')).toHaveLength(2);
  await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
  expect(approvalsLink(2)).toBeTruthy();
  return list;
}

describe('approvals inbox', () => {
  it('lists pending approvals; a decision made elsewhere takes its card out of "Waiting" at once, and the badge follows', async () => {
    routes();
    const list = await openInboxOfTwo();

    await act(async () => {
      live.append('approvals', 'approval.decided', { ...decided('alice', 'deny'), kind: undefined });
    });
    await waitFor(() => expect(within(list).getAllByRole('article')).toHaveLength(1));
    expect(within(list).queryByText('Deploy build 42 to production?')).toBeNull();
    await waitFor(() => expect(approvalsLink(1)).toBeTruthy());

    await act(async () => {
      live.append('approvals', 'approval.requested', { ...stepApproval({ id: 'apr_2', message: 'Rotate the keys?' }), kind: undefined });
    });
    expect(await within(list).findByText('Rotate the keys?')).toBeTruthy();
    await waitFor(() => expect(approvalsLink(2)).toBeTruthy());
    // A replayed request never reopens a decision.
    await act(async () => {
      live.append('approvals', 'approval.requested', stepApproval());
    });
    expect(within(list).queryByText('Deploy build 42 to production?')).toBeNull();
  });

  it('puts "Yours to decide" first; the badge counts only what the person may decide', async () => {
    routes({
      'GET /api/approvals': json(200, {
        approvals: [
          stepApproval({ mayDecide: true }),
          stepApproval({
            id: 'apr_3',
            message: 'Approve your own change?',
            mayDecide: false,
            whyNot: 'You saved the workflow version being run, so someone else must decide it.',
          }),
        ],
      }),
    });
    renderApp('/approvals');
    const yours = await screen.findByRole('list', { name: 'Waiting approvals' });
    expect(screen.getByRole('heading', { name: 'Yours to decide' })).toBeTruthy();
    expect(within(yours).getByText('Deploy build 42 to production?')).toBeTruthy();
    const others = screen.getByRole('list', { name: 'Waiting for others' });
    expect(within(others).getByText('Approve your own change?')).toBeTruthy();
    expect(within(others).getByRole('note').textContent).toMatch(/You saved the workflow version/);
    await waitFor(() => expect(approvalsLink(1)).toBeTruthy());
  });

  it('deciding here takes the card out of "Waiting" at once, without a reload', async () => {
    routes({ 'POST /api/approvals/apr_1/decision': json(200, decided('owner')) });
    renderApp('/approvals');
    const list = await screen.findByRole('list', { name: 'Waiting approvals' });
    const card = within(list).getByRole('article', { name: 'Approval needed' });
    fireEvent.click(within(card).getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(within(list).queryByText('Deploy build 42 to production?')).toBeNull());
    expect(within(list).getAllByRole('article')).toHaveLength(1);
    await waitFor(() => expect(approvalsLink(1)).toBeTruthy());
  });

  it('a run that ends closes its card live (approval.closed): gone from "Waiting" and from the badge', async () => {
    routes();
    renderApp('/approvals');
    const list = await screen.findByRole('list', { name: 'Waiting approvals' });
    await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    expect(approvalsLink(2)).toBeTruthy();
    await act(async () => {
      live.append('approvals', 'approval.closed', { ...closed(), kind: undefined });
    });
    await waitFor(() => expect(within(list).queryByText('Deploy build 42 to production?')).toBeNull());
    await waitFor(() => expect(approvalsLink(1)).toBeTruthy());
  });

  it('an event about an approval this person may not read (data {}) changes nothing and asks nothing', async () => {
    const { requests } = routes();
    renderApp('/approvals');
    const list = await screen.findByRole('list', { name: 'Waiting approvals' });
    await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    const asked = () => requests.filter((r) => r.path.startsWith('/api/approvals')).length;
    const before = asked();
    await act(async () => {
      live.append('approvals', 'approval.requested', {});
      live.append('approvals', 'approval.decided', {});
    });
    expect(within(list).getAllByRole('article')).toHaveLength(2);
    expect(approvalsLink(2)).toBeTruthy();
    expect(asked()).toBe(before);
    // The feed goes on after it.
    await act(async () => {
      live.append('approvals', 'approval.decided', { ...decided('alice', 'deny'), kind: undefined });
    });
    await waitFor(() => expect(within(list).getAllByRole('article')).toHaveLength(1));
  });

  it("an ask seen only as its approver (another person's chat) goes when an event it may no longer read comes: asked again, 404", async () => {
    const ask = {
      ...toolApproval,
      id: 'tap_ask',
      ask: 'tool',
      sessionId: null,
      executionId: 'ex_1',
      workflowId: 'wf_1',
      stepId: 'sign_off',
      tool: { name: 'workspace:bash', arguments: { command: 'npm test' } },
      preview: { command: 'npm test' },
      message: 'Step sign_off wants to run workspace:bash: npm test. Allow it?',
      approvers: { users: ['owner'] },
      mayDecide: true,
    };
    const { requests } = routes({
      'GET /api/approvals': json(200, { approvals: [stepApproval(), ask] }),
      'GET /api/approvals/tap_ask': json(404, { error: { code: 'not_found', message: 'approval tap_ask not found' } }),
    });
    const list = await openInboxOfTwo();
    // Decided by someone else: the decision is its chat's, so this person gets the event's seq alone.
    await act(async () => {
      live.append('approvals', 'approval.decided', {});
    });
    await waitFor(() => expect(within(list).getAllByRole('article')).toHaveLength(1));
    expect(within(list).getByText('Deploy build 42 to production?')).toBeTruthy();
    await waitFor(() => expect(approvalsLink(1)).toBeTruthy());
    // Asked once, though the badge and the inbox both follow the topic; the step approval is never asked about.
    expect(requests.filter((r) => r.path === '/api/approvals/tap_ask')).toHaveLength(1);
    expect(requests.filter((r) => r.path === '/api/approvals/apr_1')).toHaveLength(0);
  });

  it('answering a card whose run already ended (409 approval_closed) keeps the card and says why', async () => {
    routes({
      'POST /api/approvals/apr_1/decision': json(409, {
        error: { code: 'approval_closed', message: 'approval apr_1 can no longer be decided. The run was canceled before anyone decided.' },
      }),
      'GET /api/approvals/apr_1': json(200, closed()),
    });
    renderApp('/approvals');
    const list = await screen.findByRole('list', { name: 'Waiting approvals' });
    fireEvent.click(within(within(list).getByRole('article', { name: 'Approval needed' })).getByRole('button', { name: 'Approve' }));
    const card = await within(list).findByRole('article', { name: 'Closed' });
    expect(within(card).getByRole('status').textContent).toMatch(/The run was canceled before anyone decided\..*your answer came after it closed/);
    expect(within(card).queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(within(card).queryByRole('alert')).toBeNull();
    await waitFor(() => expect(approvalsLink(1)).toBeTruthy());
  });
});
