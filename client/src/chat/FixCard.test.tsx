import { flushMeasurements } from '../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ExecutionFix } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { type Handler, json, mockFetch, signedIn, signedInAs } from '../../test/fetch-mock';
import { assistantMessage } from '../../test/messages';
import { renderApp } from '../../test/render-app';

/** The fix card in the chat: the journal's facts, the diagnosis, the proposal as a diff, Apply and Re-run, live. */

const AT = new Date(Date.UTC(2025, 4, 1, 9)).toISOString();
const LATER = new Date(Date.UTC(2025, 4, 1, 9, 1)).toISOString();
const SESSION = { id: 'ses_1', title: 'Fix', createdAt: AT, lastActivityAt: AT, runningExecutions: 0 };
const TOPIC = 'session:ses_1';

const v2 = {
  name: 'Disk check',
  steps: [
    { id: 'fetch', type: 'bash', command: 'df -P /' },
    { id: 'check', type: 'bash', command: 'test "{{ steps.fetch.output.percent }}" -lt 90' },
    { id: 'notify', type: 'notify', message: 'disk ok' },
  ],
};
// The proposal changes `fetch`, before the failed step: a re-run must start there, not at `check`.
const proposed = { ...v2, steps: [{ ...v2.steps[0], command: 'df -P / | tail -1' }, v2.steps[1], v2.steps[2]] };

const value = (v: unknown) => ({ json: JSON.stringify(v), truncated: false });
const baseFix: ExecutionFix = {
  id: 'fx_1',
  executionId: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 2,
  sessionId: 'ses_1',
  status: 'diagnosed',
  provider: 'offline',
  context: {
    executionId: 'ex_1',
    workflowId: 'wf_1',
    workflowName: 'Disk check',
    workflowVersion: 2,
    status: 'failed',
    inputs: value({ host: 'db1' }),
    failedStep: {
      stepId: 'check',
      type: 'bash',
      iterationPath: '',
      attempt: 2,
      error: 'exit code 1: <img src=x onerror=alert(1)>',
      input: value({ command: 'test "" -lt 90' }),
    },
    logTail: ['checking /', 'test: : integer expression expected'],
    feeders: [{ stepId: 'fetch', status: 'succeeded', output: { json: '{"stdout":"Filesystem 1024-blocks Used', truncated: true } }],
    rerunFromStepId: 'check',
  },
  diagnosis: null,
  summary: null,
  proposalId: null,
  proposalStatus: null,
  appliedVersion: null,
  rerunFromStepId: null,
  rerun: null,
  error: null,
  createdBy: 'owner',
  createdAt: AT,
  updatedAt: AT,
};
const proposedFix: ExecutionFix = {
  ...baseFix,
  status: 'proposed',
  provider: 'anthropic',
  diagnosis: 'Step check reads steps.fetch.output.percent, but fetch prints the whole df table.',
  summary: 'disk threshold read from the wrong field',
  proposalId: 'prop_1',
  proposalStatus: 'open',
};
const proposal = {
  id: 'prop_1',
  workflowId: 'wf_1',
  baseVersion: 2,
  definition: proposed,
  diff: [],
  summary: 'disk threshold read from the wrong field',
  status: 'open',
  proposedBy: 'assistant',
  sessionId: 'ses_1',
  createdAt: AT,
  reviewedBy: null,
  reviewedAt: null,
  reviewComment: null,
  appliedVersion: null,
};
const rerunRun = (status: string) => ({
  id: 'ex_2',
  workflowId: 'wf_1',
  workflowVersion: 3,
  workflowName: 'Disk check',
  status,
  inputs: { host: 'db1' },
  trigger: null,
  sessionId: 'ses_1',
  createdAt: LATER,
  startedAt: LATER,
  finishedAt: null,
  rerunOf: 'ex_1',
  steps: [],
});

const fixMessage = assistantMessage(
  [
    { type: 'text', text: 'Run ex_1 failed at step check.' },
    { type: 'fix', fixId: 'fx_1' },
  ],
  { createdAt: AT },
);

let live: FakeLive;

function routes(fix: ExecutionFix, extra: Record<string, Handler | Response> = {}, me: Handler = signedIn) {
  return mockFetch({
    'GET /api/me': me,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/sessions': json(200, { sessions: [SESSION] }),
    'GET /api/sessions/ses_1': json(200, SESSION),
    'GET /api/sessions/ses_1/messages': () => json(200, { messages: [fixMessage], nextBefore: null, lastSeq: live.lastSeq(TOPIC) }),
    'GET /api/executions': json(200, { executions: [], nextBefore: null }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/workflows': json(200, { workflows: [] }),
    'GET /api/events': ({ path }) =>
      json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    'GET /api/fixes/fx_1': json(200, fix),
    'GET /api/workflows/wf_1/proposals': json(200, { proposals: [proposal] }),
    'GET /api/workflows/wf_1/versions/2': json(200, { id: 'wf_1', version: 2, definition: v2, createdAt: AT, updatedAt: AT }),
    ...extra,
  });
}

async function openCard() {
  renderApp('/chat/ses_1');
  const card = await screen.findByTestId('fix-card', {}, { timeout: 10_000 });
  return card;
}

const button = (card: HTMLElement, name: RegExp) => within(card).queryByRole('button', { name });

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('the fix card', () => {
  it('offline: shows what the journal says, hostile text as text, and re-runs from the failed step, following the re-run live', async () => {
    const { requests } = routes(baseFix, {
      'POST /api/fixes/fx_1/rerun': json(202, {
        executionId: 'ex_2',
        fix: { ...baseFix, status: 'rerun', rerunFromStepId: 'check', rerun: { executionId: 'ex_2', status: 'queued' }, updatedAt: LATER },
      }),
      'GET /api/executions/ex_2': json(200, rerunRun('running')),
    });
    const card = await openCard();
    expect(within(card).getByTestId('fix-status').textContent).toBe('From the run’s journal');
    expect(within(card).getByRole('link', { name: 'check' }).getAttribute('href')).toBe('/automation/executions/ex_1?step=check');
    expect(within(card).getByTestId('fix-error').textContent).toBe('exit code 1: <img src=x onerror=alert(1)>');
    expect(card.querySelector('img')).toBeNull();
    expect(within(card).getByTestId('fix-logs').textContent).toBe('checking /\ntest: : integer expression expected');
    expect(within(card).getByText('Cut to the first 4,000 characters.')).toBeTruthy();
    expect(within(card).getByText(/No language model is configured/)).toBeTruthy();
    expect(button(card, /^Apply/)).toBeNull();

    const rerun = button(card, /Re-run/)!;
    expect(rerun.textContent).toBe('Re-run from check with the same inputs');
    fireEvent.click(rerun);
    const link = await within(card).findByRole('link', { name: 'ex_2' });
    expect(link.getAttribute('href')).toBe('/automation/executions/ex_2');
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/api/fixes/fx_1/rerun']);
    await waitFor(() => expect(within(within(card).getByTestId('fix-rerun')).getByText('Running')).toBeTruthy());
    expect(button(card, /Re-run/)!.textContent).toBe('Re-run again from check with the same inputs');

    // The re-run's own topic says it finished: the card follows without the fix being published again.
    await waitFor(() => expect(live.isSubscribed('execution:ex_2')).toBe(true));
    act(() => void live.append('execution:ex_2', 'execution.updated', { ...rerunRun('succeeded'), steps: undefined, finishedAt: LATER }));
    await waitFor(() => expect(within(within(card).getByTestId('fix-rerun')).getByText('Succeeded')).toBeTruthy());
  });

  it('draws the proposal as a diff, applies it, and then re-runs from the earliest step the change touched', async () => {
    const applied: ExecutionFix = { ...proposedFix, status: 'applied', appliedVersion: 3, updatedAt: LATER };
    const { requests } = routes(proposedFix, {
      'POST /api/fixes/fx_1/apply': json(200, { fix: applied, version: { id: 'wf_1', version: 3, definition: proposed, createdAt: LATER, updatedAt: LATER } }),
    });
    const card = await openCard();
    expect(within(card).getByTestId('fix-diagnosis').textContent).toBe(proposedFix.diagnosis);
    expect(within(card).getByText(/disk threshold read from the wrong field/)).toBeTruthy();
    await within(card).findByTestId('version-compare');
    await flushMeasurements();
    await waitFor(() => expect(card.querySelector('[data-side="after"] [data-step-id="fetch"]')?.getAttribute('data-diff')).toBe('changed'));
    expect(card.querySelector('[data-side="after"] [data-step-id="check"]')?.getAttribute('data-diff') ?? null).toBeNull();
    expect(button(card, /Re-run/)!.textContent).toBe('Re-run from check with the same inputs');
    expect(within(card).getByText('Re-running before applying runs v2 again, unchanged.')).toBeTruthy();

    fireEvent.click(button(card, /^Apply$/)!);
    const done = await within(card).findByTestId('fix-applied');
    expect(within(done).getByRole('link', { name: 'version 3' }).getAttribute('href')).toBe('/automation/workflows/wf_1?version=3');
    expect(button(card, /^Apply/)).toBeNull();
    expect(within(card).getByTestId('fix-status').textContent).toBe('Applied as v3');
    // The applied change touches `fetch`, before the failed step: the re-run starts there (fixRerunFromStep).
    await waitFor(() => expect(button(card, /Re-run/)!.textContent).toBe('Re-run from fetch with the same inputs'));
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/api/fixes/fx_1/apply']);
  });

  it('applied after a re-run of the unchanged version: the next re-run starts where the change asks, not where the last one did', async () => {
    routes(
      { ...proposedFix, status: 'applied', appliedVersion: 3, rerunFromStepId: 'check', rerun: { executionId: 'ex_2', status: 'failed' }, updatedAt: LATER },
      { 'GET /api/executions/ex_2': json(200, rerunRun('failed')) },
    );
    const card = await openCard();
    expect(within(within(card).getByTestId('fix-rerun')).getByText('Failed')).toBeTruthy();
    await waitFor(() => expect(button(card, /Re-run/)!.textContent).toBe('Re-run again from fetch with the same inputs'));
  });

  it('a re-run the fix already knows finished: shows its status without reading or following the run', async () => {
    const { requests } = routes(
      { ...proposedFix, status: 'rerun', rerunFromStepId: 'check', rerun: { executionId: 'ex_2', status: 'succeeded' }, updatedAt: LATER },
      { 'GET /api/executions/ex_2': json(200, rerunRun('succeeded')) },
    );
    const card = await openCard();
    expect(within(within(card).getByTestId('fix-rerun')).getByText('Succeeded')).toBeTruthy();
    // The card's other reads settle (the workflows topic is followed) before asserting what never happened.
    await waitFor(() => expect(live.isSubscribed('workflows')).toBe(true));
    await within(card).findByTestId('version-compare');
    expect(requests.filter((r) => r.path.startsWith('/api/executions/ex_2'))).toEqual([]);
    expect(requests.some((r) => r.path.includes('execution%3Aex_2') || r.path.includes('execution:ex_2'))).toBe(false);
    expect(live.isSubscribed('execution:ex_2')).toBe(false);
  });

  it('follows fix.updated on the workflows topic: diagnosing, then the diagnosis and the proposal, ignoring older states', async () => {
    routes({ ...baseFix, status: 'diagnosing', provider: 'anthropic' });
    const card = await openCard();
    expect(within(card).getByText(/The assistant is reading the run/)).toBeTruthy();
    expect(button(card, /Re-run/)).toBeNull();
    await waitFor(() => expect(live.isSubscribed('workflows')).toBe(true));
    act(() => {
      live.append('workflows', 'fix.updated', { ...proposedFix, id: 'fx_other', diagnosis: 'someone else’s' });
      live.append('workflows', 'fix.updated', { ...proposedFix, updatedAt: LATER });
      // A stale state arriving late (a replay) never goes back.
      live.append('workflows', 'fix.updated', { ...baseFix, status: 'diagnosing', provider: 'anthropic' });
    });
    expect((await within(card).findByTestId('fix-diagnosis')).textContent).toBe(proposedFix.diagnosis);
    expect(within(card).getByTestId('fix-status').textContent).toBe('Change proposed');
    expect(button(card, /^Apply$/)).toBeTruthy();
  });

  it('hides Apply and Re-run from a person without write and run, saying why', async () => {
    const { requests } = routes(proposedFix, {}, signedInAs({ id: 'v', name: 'viewer', role: 'viewer', scopes: ['read'] }));
    const card = await openCard();
    await within(card).findByTestId('fix-diagnosis');
    expect(button(card, /^Apply/)).toBeNull();
    expect(button(card, /Re-run/)).toBeNull();
    expect(within(card).getByText(/Applying the change: Needs the “write” permission/)).toBeTruthy();
    expect(within(card).getByText(/Re-running: Needs the “run” permission/)).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('says the workflow moved on when applying is refused with version_conflict', async () => {
    routes(proposedFix, {
      'POST /api/fixes/fx_1/apply': json(409, {
        error: { code: 'version_conflict', message: 'workflow wf_1 is at version 4; the proposal was made on version 2' },
      }),
    });
    const card = await openCard();
    fireEvent.click(await within(card).findByRole('button', { name: /^Apply$/ }));
    const alert = await within(card).findByRole('alert');
    expect(alert.textContent).toMatch(/The workflow changed after this change was proposed.*at version 4.*Type \/fix again/);
    expect(within(card).queryByTestId('fix-applied')).toBeNull();
  });

  it('a proposal no longer among the workflow’s proposals: says so where the diff would be', async () => {
    routes(proposedFix, { 'GET /api/workflows/wf_1/proposals': json(200, { proposals: [] }) });
    const card = await openCard();
    expect((await within(card).findByText('Proposal prop_1 of this fix is no longer stored.')).textContent).toBeTruthy();
    expect(within(card).queryByTestId('version-compare')).toBeNull();
  });

  it('a proposal rejected in the workflow proposals: says so and offers no Apply', async () => {
    routes({ ...proposedFix, proposalStatus: 'rejected' });
    const card = await openCard();
    expect((await within(card).findByTestId('fix-proposal-rejected')).textContent).toMatch(/rejected.*cannot be applied/);
    expect(button(card, /^Apply/)).toBeNull();
    expect(button(card, /Re-run/)).not.toBeNull();
  });
});
