import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, type Handler, signedIn } from '../../test/fetch-mock';
import type { InboxApproval } from '../api/approvals';
import { createQueryClient } from '../api/query-client';
import { ApprovalCard } from './ApprovalCard';

const AT = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

const ask = (extra: Record<string, unknown> = {}) =>
  ({
    kind: 'tool',
    ask: 'tool',
    id: 'tap_9',
    executionId: 'ex_7',
    workflowId: 'wf_fix',
    stepId: 'fix',
    sessionId: 'ses_1',
    iterationPath: '',
    tool: { name: 'workspace:bash', arguments: { command: 'npm test -- --run' } },
    preview: { command: 'npm test -- --run && echo "<b>done</b>"', workspace: 'git:/repos/app#main' },
    message: 'The agent wants to run workspace:bash',
    approvers: {},
    requestedAt: AT(1),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    status: 'pending',
    decisions: [],
    approvalsNeeded: 1,
    approvalsSoFar: 0,
    ...extra,
  }) as InboxApproval;

const decided = (decision: 'approve' | 'deny', comment: string | null, extra: Record<string, unknown> = {}) =>
  ask({ status: decision === 'approve' ? 'approved' : 'denied', decision: { decision, decidedBy: 'owner', decidedAt: AT(0), comment }, ...extra });

const definition = { name: 'Fix the failing test', steps: [{ id: 'fix', type: 'agent_prompt', name: 'Fix it', prompt: 'Fix the test' }] };

function routes(extra: Record<string, Handler | Response> = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/executions/ex_7': json(200, {
      id: 'ex_7',
      workflowId: 'wf_fix',
      workflowVersion: 2,
      workflowName: 'Fix the failing test',
      status: 'running',
      inputs: {},
      trigger: null,
      sessionId: 'ses_1',
      createdAt: AT(5),
      startedAt: AT(5),
      finishedAt: null,
      steps: [{ stepId: 'fix', iterationPath: '', attempt: 1, status: 'running', startedAt: AT(5), finishedAt: null }],
    }),
    'GET /api/workflows/wf_fix/versions/2': json(200, { id: 'wf_fix', version: 2, definition, createdAt: AT(60), updatedAt: AT(60) }),
    ...extra,
  });
}

function renderCard(approval: InboxApproval, context: 'inbox' | 'chat' | 'execution' = 'chat') {
  const router = createMemoryRouter([{ path: '/', element: <ApprovalCard approval={approval} context={context} /> }]);
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

const posted = (requests: { method: string; path: string; body: unknown }[]) => requests.filter((r) => r.method === 'POST');

beforeEach(() => {
  startLiveTest();
});
afterEach(endLiveTest);

describe('agent ask card', () => {
  it('shows the exact command, the step and run it belongs to, and that it waits for you; markup in the command stays text', async () => {
    routes();
    const { container } = renderCard(ask());
    const card = screen.getByRole('article', { name: 'The agent asks before running a tool' });
    expect(within(card).getByText('Waiting for you')).toBeTruthy();
    expect(within(card).getByText('workspace:bash')).toBeTruthy();
    expect(within(card).getByRole('figure', { name: 'Command' }).textContent).toBe('npm test -- --run && echo "<b>done</b>"');
    expect(container.querySelector('b')).toBeNull();
    expect(within(card).getByText('In workspace git:/repos/app#main')).toBeTruthy();
    await within(card).findByText('Fix it');
    await within(card).findByText('Fix the failing test');
    expect(within(card).getByRole('link', { name: 'View the run →' }).getAttribute('href')).toBe('/automation/executions/ex_7?step=fix');
  });

  it('shows an edit as its path and diff, hostile lines as text', () => {
    routes();
    const { container } = renderCard(
      ask({
        tool: { name: 'workspace:edit_file', arguments: { path: 'web/index.html', oldText: 'a', newText: HOSTILE } },
        preview: { path: 'web/index.html', diff: `--- a/web/index.html\n+++ b/web/index.html\n@@ -1 +1 @@\n-<p>a</p>\n+${HOSTILE}\n` },
      }),
    );
    const card = screen.getByRole('article', { name: 'The agent asks before running a tool' });
    expect(within(card).getByText('web/index.html')).toBeTruthy();
    const diff = within(card).getByRole('figure', { name: 'Changes to web/index.html: 1 lines added, 1 removed' });
    expect(diff.querySelector('.diff-line--add')?.textContent).toBe(`+${HOSTILE}\n`);
    expect(container.querySelector('img')).toBeNull();
  });

  it('Approve sends a plain approval', async () => {
    const { requests } = routes({ 'POST /api/approvals/tap_9/decision': json(200, decided('approve', null)) });
    renderCard(ask());
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    const card = await screen.findByRole('article', { name: 'Approved' });
    expect(posted(requests)).toEqual([{ method: 'POST', path: '/api/approvals/tap_9/decision', body: { decision: 'approve' } }]);
    expect(within(card).getByText('owner')).toBeTruthy();
    expect(within(card).queryByRole('button')).toBeNull();
  });

  it('Approve for the rest of this step sends scope "step", and the card says so', async () => {
    const { requests } = routes({ 'POST /api/approvals/tap_9/decision': json(200, decided('approve', null, { scope: 'step' })) });
    renderCard(ask());
    fireEvent.click(screen.getByRole('button', { name: 'Approve for the rest of this step' }));
    const card = await screen.findByRole('article', { name: 'Approved' });
    expect(posted(requests)[0]?.body).toEqual({ decision: 'approve', scope: 'step' });
    expect(within(card).getByText(/for the rest of this step/)).toBeTruthy();
  });

  it('Deny sends the comment, which goes back to the agent', async () => {
    const { requests } = routes({ 'POST /api/approvals/tap_9/decision': json(200, decided('deny', 'Run only the failing file')) });
    renderCard(ask());
    fireEvent.change(screen.getByLabelText(/Comment/), { target: { value: '  Run only the failing file  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deny' }));
    const card = await screen.findByRole('article', { name: 'Denied' });
    expect(posted(requests)[0]?.body).toEqual({ decision: 'deny', comment: 'Run only the failing file' });
    expect(within(card).getByText('Run only the failing file')).toBeTruthy();
  });

  it('a question shows an answer box; the answer goes as the comment of an approval', async () => {
    const question = ask({
      ask: 'question',
      tool: { name: 'agent:ask_user', arguments: { question: 'Which branch should the fix go to?' } },
      preview: { question: 'Which branch should the fix go to?' },
    });
    const { requests } = routes({
      'POST /api/approvals/tap_9/decision': json(200, {
        ...decided('approve', 'release/2.1'),
        ask: 'question',
        tool: { name: 'agent:ask_user', arguments: {} },
      }),
    });
    renderCard(question, 'inbox');
    const card = screen.getByRole('article', { name: 'The agent asks you a question' });
    expect(within(card).getByText('Which branch should the fix go to?')).toBeTruthy();
    const send = within(card).getByRole('button', { name: 'Send answer' }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    expect(within(card).queryByRole('button', { name: 'Approve for the rest of this step' })).toBeNull();
    fireEvent.change(within(card).getByLabelText('Your answer'), { target: { value: 'release/2.1' } });
    expect(send.disabled).toBe(false);
    fireEvent.click(send);
    const answered = await screen.findByRole('article', { name: 'Answered' });
    expect(posted(requests)[0]?.body).toEqual({ decision: 'approve', comment: 'release/2.1' });
    expect(within(answered).getByText('release/2.1')).toBeTruthy();
    expect(within(answered).getByText(/Answered by/)).toBeTruthy();
  });

  it('respects mayDecide: the buttons are off with the reason, and no box to type in', () => {
    const { requests } = routes();
    renderCard(ask({ mayDecide: false, whyNot: 'Only role reviewer may decide the asks of this step.' }));
    const card = screen.getByRole('article', { name: 'The agent asks before running a tool' });
    expect(within(card).getByRole('note').textContent).toBe('Only role reviewer may decide the asks of this step.');
    expect(within(card).queryByText('Waiting for you')).toBeNull();
    expect(within(card).queryByRole('textbox')).toBeNull();
    for (const name of ['Approve', 'Approve for the rest of this step', 'Deny']) {
      const button = within(card).getByRole('button', { name }) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      fireEvent.click(button);
    }
    expect(posted(requests)).toHaveLength(0);
  });

  it('a decision that comes too late shows the one that stands (409)', async () => {
    routes({
      'POST /api/approvals/tap_9/decision': json(409, { error: { code: 'already_decided', message: 'already denied' } }),
      'GET /api/approvals/tap_9': json(200, { ...decided('deny', 'no'), decision: { decision: 'deny', decidedBy: 'ana', decidedAt: AT(0), comment: 'no' } }),
    });
    renderCard(ask());
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    const card = await screen.findByRole('article', { name: 'Denied' });
    await waitFor(() => expect(within(card).getByText(/already decided when you answered/)).toBeTruthy());
    expect(within(card).getByText('ana')).toBeTruthy();
  });
});
