import { flushMeasurements } from '../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';

const AT = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
const TOPIC = 'execution:ex_1';
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const definition = {
  name: 'Fix bug',
  steps: [
    { id: 'fix', type: 'agent_prompt', name: 'Fix it', prompt: 'Fix the bug', tools: ['workspace:*'], workspace: { git: { url: '/repos/app' } } },
    { id: 'report', type: 'agent_prompt', name: 'Report', prompt: 'Say what changed' },
  ],
};
const summary = (status: string) => ({
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 1,
  workflowName: 'Fix bug',
  status,
  inputs: {},
  trigger: { type: 'manual' },
  sessionId: null,
  createdAt: AT(0),
  startedAt: AT(0),
  finishedAt: null,
  rerunOf: null,
});
const diff = [
  'diff --git a/src/sum.js b/src/sum.js',
  'index 111..222 100644',
  '--- a/src/sum.js',
  '+++ b/src/sum.js',
  '@@ -1 +1 @@',
  '-module.exports = (a, b) => a - b;',
  '+module.exports = (a, b) => a + b;',
  'diff --git a/docs/x.html b/docs/x.html',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/docs/x.html',
  '@@ -0,0 +1 @@',
  `+${HOSTILE}`,
].join('\n');
const fixOutput = {
  text: 'Fixed the sign.',
  model: 'claude-sonnet-4-5',
  provider: 'anthropic',
  usage: { inputTokens: 20_000, outputTokens: 1_000, costUsd: 0.075 },
  attempts: 1,
  changedFiles: ['src/sum.js', 'docs/x.html'],
  workspace: { key: 'git:/repos/app#', baseCommit: 'abcdef0123456789', changedFiles: ['src/sum.js', 'docs/x.html'], diff, diffTruncated: true },
};
const ask = {
  id: 'tap_1',
  kind: 'tool',
  ask: 'tool',
  executionId: 'ex_1',
  workflowId: 'wf_1',
  stepId: 'report',
  sessionId: null,
  iterationPath: '',
  tool: { name: 'workspace:bash', arguments: { command: 'git log -1' } },
  preview: { command: 'git log -1' },
  message: 'The agent wants to run workspace:bash',
  approvers: {},
  requestedAt: AT(5),
  expiresAt: AT(999),
  status: 'pending',
};

let live: FakeLive;

function server(usage?: unknown) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/events': json(200, { events: [], lastSeq: 0, hasMore: false }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/executions/ex_1': json(200, {
      ...summary('running'),
      ...(usage !== undefined ? { usage } : {}),
      steps: [{ stepId: 'fix', iterationPath: '', attempt: 1, status: 'succeeded', startedAt: AT(1), finishedAt: AT(3), output: fixOutput }],
    }),
    'GET /api/workflows/wf_1/versions/1': json(200, { id: 'wf_1', version: 1, definition, createdAt: AT(0), updatedAt: AT(0) }),
    'POST /api/approvals/tap_1/decision': json(200, {
      ...ask,
      status: 'approved',
      decision: { decision: 'approve', decidedBy: 'owner', decidedAt: AT(9), comment: null },
    }),
  });
}

async function open() {
  renderApp('/automation/executions/ex_1');
  await screen.findByRole('heading', { name: /Fix bug/, level: 1 });
  await screen.findByRole('region', { name: 'Run of Fix bug' });
  await flushMeasurements();
  await waitFor(() => expect(live.isSubscribed(TOPIC)).toBe(true));
}

async function emit(events: [string, unknown][]) {
  await act(async () => {
    for (const [type, data] of events) live.append(TOPIC, type, data);
    await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
  });
}

const header = () => screen.getByRole('heading', { name: /Fix bug/, level: 1 }).closest('header') ?? document.body;

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('run page of an agent workflow', () => {
  it("shows a step's workspace changes: the changed files, the diff collapsed, the truncation said; hostile diff text stays text", async () => {
    server();
    await open();
    fireEvent.click(screen.getByRole('button', { name: /Fix it/ }));
    const panel = await screen.findByRole('region', { name: 'Selected step' });
    const changes = within(panel).getByRole('region', { name: 'Workspace changes' });
    expect(within(changes).getByText(/2 files changed/)).toBeTruthy();
    expect(within(changes).getByText(/since abcdef0123/)).toBeTruthy();
    expect(
      within(within(changes).getByRole('list', { name: 'Changed files' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['src/sum.js', 'docs/x.html']);
    const details = changes.querySelector('details') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(within(changes).getByText('+2')).toBeTruthy();
    expect(within(changes).getByText('−1')).toBeTruthy();
    fireEvent.click(within(changes).getByText('Diff'));
    const figure = within(changes).getByRole('figure', { name: 'Workspace diff: 2 lines added, 1 removed' });
    expect(figure.querySelector('.diff-line--add:last-child')?.textContent).toBe(`+${HOSTILE}\n`);
    expect(document.querySelector('img')).toBeNull();
    expect(within(changes).getByRole('note').textContent).toMatch(/cut at 256 KiB/);
  });

  it("shows the run's usage, from its steps as they finish (the server's sum until then)", async () => {
    server({ inputTokens: 20_000, outputTokens: 1_000, costUsd: 0.075 });
    await open();
    expect(within(header()).getByText(/20,000 in \/ 1,000 out tokens · ≈ \$0\.075/)).toBeTruthy();
    await emit([
      [
        'step.updated',
        {
          executionId: 'ex_1',
          stepId: 'report',
          iterationPath: '',
          attempt: 1,
          status: 'succeeded',
          startedAt: AT(4),
          finishedAt: AT(6),
          output: {
            text: 'ok',
            model: 'claude-sonnet-4-5',
            provider: 'anthropic',
            usage: { inputTokens: 1_000, outputTokens: 100, costUsd: 0.0045 },
            attempts: 1,
          },
        },
      ],
    ]);
    await waitFor(() => expect(within(header()).getByText(/21,000 in \/ 1,100 out tokens · ≈ \$0\.080/)).toBeTruthy());
  });

  it('marks the node of a step with a pending ask "Waiting for you", with the card beside it to decide there', async () => {
    const { requests } = server();
    await open();
    await emit([
      ['step.updated', { executionId: 'ex_1', stepId: 'report', iterationPath: '', attempt: 1, status: 'running', startedAt: AT(4), finishedAt: null }],
      ['approval.requested', ask],
    ]);
    const marker = await screen.findByText('Waiting for you', { selector: '.ask-marker' });
    expect(marker.getAttribute('data-step-id')).toBe('report');
    const card = document.querySelector('.approval-toolbar [data-approval-id="tap_1"]') as HTMLElement;
    expect(within(card).getByRole('figure', { name: 'Command' }).textContent).toBe('git log -1');
    fireEvent.click(within(card).getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(screen.queryByText('Waiting for you', { selector: '.ask-marker' })).toBeNull());
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ decision: 'approve' });
  });
});
