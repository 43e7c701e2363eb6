import '../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Message } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, type Handler, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';

const AT = (s: number) => new Date(Date.UTC(2026, 0, 5, 9, 0, s)).toISOString();
const SESSION = { id: 'ses_1', title: 'Fix the build', createdAt: AT(0), lastActivityAt: AT(0), runningExecutions: 1 };
const TOPIC = 'session:ses_1';

const definition = {
  name: 'Fix the failing test',
  steps: [
    {
      id: 'fix',
      type: 'agent_prompt',
      name: 'Fix the test',
      prompt: 'Make the test pass',
      tools: ['workspace:*'],
      workspace: { git: { url: '/repos/app' } },
      persona: { name: 'Build doctor' },
    },
  ],
};
const summary = (status: string) => ({
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 1,
  workflowName: 'Fix the failing test',
  status,
  inputs: {},
  trigger: { type: 'manual' },
  sessionId: 'ses_1',
  createdAt: AT(10),
  startedAt: AT(10),
  finishedAt: null,
});
const step = { executionId: 'ex_1', stepId: 'fix', iterationPath: '', attempt: 1 };

function message(id: string, s: number, extra: Partial<Message> = {}): Message {
  return { id, sessionId: 'ses_1', role: 'user', parts: [{ type: 'text', text: id }], status: 'complete', deltaSeq: 0, createdAt: AT(s), ...extra };
}

const bashAsk = (status: 'pending' | 'approved') => ({
  id: 'tap_1',
  kind: 'tool',
  ask: 'tool',
  sessionId: 'ses_1',
  executionId: 'ex_1',
  workflowId: 'wf_1',
  stepId: 'fix',
  iterationPath: '',
  tool: { name: 'workspace:bash', arguments: { command: 'npm test' } },
  preview: { command: 'npm test', workspace: 'git:/repos/app#' },
  message: 'The agent wants to run workspace:bash',
  approvers: {},
  requestedAt: AT(14),
  expiresAt: AT(3600),
  status,
  ...(status === 'approved' ? { decision: { decision: 'approve', decidedBy: 'owner', decidedAt: AT(15), comment: null }, scope: 'step' } : {}),
});

let live: FakeLive;

function routes(extra: Record<string, Handler | Response> = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/sessions/ses_1': json(200, SESSION),
    'GET /api/sessions/ses_1/messages': () => json(200, { messages: [], nextBefore: null, lastSeq: live.lastSeq(TOPIC) }),
    'GET /api/executions': json(200, { executions: [summary('running')], nextBefore: null }),
    'GET /api/executions/ex_1': json(200, { ...summary('running'), steps: [] }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/events': ({ path }) =>
      json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    'GET /api/workflows/wf_1/versions/1': json(200, { id: 'wf_1', version: 1, definition, createdAt: AT(0), updatedAt: AT(0) }),
    'GET /api/workflows/wf_1': json(200, { id: 'wf_1', version: 1, definition, createdAt: AT(0), updatedAt: AT(0) }),
    ...extra,
  });
}

const feed = () => screen.getByRole('region', { name: 'Conversation' });

async function emit(events: [string, unknown][]) {
  await act(async () => {
    for (const [type, data] of events) live.append(TOPIC, type, data);
    await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
  });
}

const delta = (deltaSeq: number, partIndex: number, part: unknown) =>
  ['message.delta', { messageId: 'r1', deltaSeq, partIndex, op: { kind: 'set_part', part } }] as [string, unknown];

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('an agent step in the chat', () => {
  it('streams its tool calls into the container, shows the ask card where a person approves, then the command output and the header figures', async () => {
    const { requests } = routes({ 'POST /api/approvals/tap_1/decision': json(200, bashAsk('approved')) });
    renderApp('/chat/ses_1');
    await screen.findByRole('region', { name: 'Conversation' }, { timeout: 10_000 });
    await waitFor(() => expect(live.isSubscribed(TOPIC)).toBe(true));

    const read = { type: 'tool_call', id: 'tu_1', name: 'workspace:read_file', input: { path: 'test/sum.test.js' }, status: 'running' };
    const bash = (status: string) => ({ type: 'tool_call', id: 'tu_2', name: 'workspace:bash', input: { command: 'npm test' }, status });
    await emit([
      ['step.updated', { ...step, status: 'running', startedAt: AT(11), finishedAt: null }],
      ['message.created', message('p1', 11, { ...step, parts: [{ type: 'text', text: 'Make the test pass' }] })],
      [
        'message.created',
        message('r1', 12, {
          ...step,
          role: 'assistant',
          parts: [],
          status: 'streaming',
          meta: { provider: 'anthropic', model: 'claude-sonnet-4-5', persona: 'Build doctor' },
        }),
      ],
      delta(1, 0, read),
    ]);
    const box = await within(feed()).findByRole('region', { name: 'Step Fix the test' });
    expect(within(box).getByText('as Build doctor')).toBeTruthy();
    expect(within(box).getByText('claude-sonnet-4-5')).toBeTruthy();
    expect(within(box).getByText('test/sum.test.js')).toBeTruthy();
    const readCall = box.querySelector<HTMLElement>('[data-tool="workspace:read_file"]');
    expect(readCall?.dataset.status).toBe('running');
    expect(within(readCall as HTMLElement).getByText('Running')).toBeTruthy();

    await emit([
      delta(2, 1, {
        type: 'tool_result',
        toolCallId: 'tu_1',
        output: { path: 'test/sum.test.js', content: 'expect(sum(1, 2)).toBe(3);\n', startLine: 1, endLine: 1, totalLines: 1, truncated: false },
        isError: false,
      }),
      delta(3, 2, bash('waiting')),
      ['approval.requested', bashAsk('pending')],
    ]);
    expect(within(box).getByRole('figure', { name: 'Excerpt of test/sum.test.js' })).toBeTruthy();
    expect(readCall?.dataset.status).toBe('succeeded');
    const bashCall = box.querySelector<HTMLElement>('[data-tool="workspace:bash"]') as HTMLElement;
    expect(within(bashCall).getByText('Waiting for approval')).toBeTruthy();
    expect(within(box).getByText('Waiting for a person', { selector: '.step-box__asking' })).toBeTruthy();
    const card = await within(feed()).findByRole('article', { name: 'The agent asks before running a tool' });
    expect(within(card).getByRole('figure', { name: 'Command' }).textContent).toBe('npm test');
    fireEvent.click(within(card).getByRole('button', { name: 'Approve for the rest of this step' }));
    expect(await within(feed()).findByRole('article', { name: 'Approved' })).toBeTruthy();
    expect(requests.find((r) => r.method === 'POST' && r.path === '/api/approvals/tap_1/decision')?.body).toEqual({ decision: 'approve', scope: 'step' });

    const usage = { inputTokens: 12_000, outputTokens: 800, costUsd: 0.048 };
    await emit([
      delta(4, 2, bash('succeeded')),
      delta(5, 3, {
        type: 'tool_result',
        toolCallId: 'tu_2',
        output: { exitCode: 0, stdoutTail: 'PASS test/sum.test.js\nTests: 1 passed\n', stderrTail: '', timedOut: false, truncated: false },
        isError: false,
      }),
      [
        'step.updated',
        {
          ...step,
          status: 'succeeded',
          startedAt: AT(11),
          finishedAt: AT(20),
          output: {
            text: 'Fixed.',
            model: 'claude-sonnet-4-5',
            provider: 'anthropic',
            usage,
            attempts: 1,
            turns: 3,
            toolCalls: { total: 2, failed: 0, denied: 0 },
          },
        },
      ],
    ]);
    await waitFor(() => expect(within(box).getByText('Exit code 0')).toBeTruthy());
    expect(box.querySelector<HTMLElement>('[data-tool="workspace:bash"]')?.dataset.status).toBe('succeeded');
    expect(within(box).getByRole('figure', { name: 'Standard output' }).textContent).toBe('PASS test/sum.test.js\nTests: 1 passed');
    expect(within(box).getByText('12,000 in / 800 out tokens')).toBeTruthy();
    expect(within(box).getByText('≈ $0.048')).toBeTruthy();
    expect(within(box).getByText('2 tool calls')).toBeTruthy();
    expect(box.dataset.status).toBe('succeeded');
    expect(box.querySelector('.step-box__asking')).toBeNull();
  });

  it('loads the asks of its runs with the chat (an agent ask belongs to a run, not to the assistant)', async () => {
    routes({ 'GET /api/approvals': json(200, { approvals: [{ ...bashAsk('pending'), sessionId: null }] }) });
    renderApp('/chat/ses_1');
    const card = await within(await screen.findByRole('region', { name: 'Conversation' }, { timeout: 10_000 })).findByRole('article', {
      name: 'The agent asks before running a tool',
    });
    expect(within(card).getByText('Waiting for you')).toBeTruthy();
  });
});
