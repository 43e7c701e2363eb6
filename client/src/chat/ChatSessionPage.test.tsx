import '../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Message } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, type Handler, signedIn } from '../../test/fetch-mock';
import { renderApp } from '../../test/render-app';

const AT = (s: number) => new Date(Date.UTC(2025, 4, 1, 9, 0, s)).toISOString();
const SESSION = { id: 'ses_1', title: 'Release planning', createdAt: AT(0), lastActivityAt: AT(0), runningExecutions: 0 };
const TOPIC = 'session:ses_1';

const definition = {
  name: 'Review regions',
  steps: [
    {
      id: 'each_region',
      type: 'loop',
      over: ['eu', 'us', 'ap'],
      as: 'region',
      steps: [{ id: 'summarise', type: 'agent_prompt', name: 'Summarise region', prompt: 'Status of {{ region }}' }],
    },
    { id: 'sign_off', type: 'approval', message: 'Publish?' },
  ],
};
const summary = (status: string) => ({
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 1,
  workflowName: 'Review regions',
  status,
  inputs: {},
  trigger: { type: 'manual' },
  sessionId: 'ses_1',
  createdAt: AT(10),
  startedAt: AT(10),
  finishedAt: null,
});

function message(id: string, s: number, extra: Partial<Message> = {}): Message {
  return { id, sessionId: 'ses_1', role: 'user', parts: [{ type: 'text', text: id }], status: 'complete', deltaSeq: 0, createdAt: AT(s), ...extra };
}

let live: FakeLive;
let page: { messages: Message[]; nextBefore: string | null };

function routes(extra: Record<string, Handler | Response> = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/sessions/ses_1': json(200, SESSION),
    'GET /api/sessions/ses_1/messages': () => json(200, { ...page, lastSeq: live.lastSeq(TOPIC) }),
    'GET /api/executions': json(200, { executions: [], nextBefore: null }),
    'GET /api/executions/ex_1': json(200, { ...summary('waiting'), steps: [] }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/events': ({ path }) =>
      json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    'GET /api/workflows/wf_1/versions/1': json(200, { id: 'wf_1', version: 1, definition, createdAt: AT(0), updatedAt: AT(0) }),
    'GET /api/workflows/wf_1': json(200, { id: 'wf_1', version: 1, definition, createdAt: AT(0), updatedAt: AT(0) }),
    ...extra,
  });
}

async function openChat() {
  const app = renderApp('/chat/ses_1');
  // Generous timeout: the lazily rendered feed can take a while on a loaded CI machine.
  await screen.findByRole('region', { name: 'Conversation' }, { timeout: 10_000 });
  await waitFor(() => expect(live.isSubscribed(TOPIC)).toBe(true));
  return app;
}

/** Appends inside act and lets the frame-batched flush run. */
async function emit(events: [string, unknown][]) {
  await act(async () => {
    for (const [type, data] of events) live.append(TOPIC, type, data);
    await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
  });
}

const feed = () => screen.getByRole('region', { name: 'Conversation' });

beforeEach(() => {
  live = startLiveTest();
  page = { messages: [], nextBefore: null };
});
afterEach(endLiveTest);

describe('chat session page', () => {
  it("another person's chat (an admin reading it) is read-only: the composer is disabled and says whose it is", async () => {
    page = { messages: [message('msg_ada', 1)], nextBefore: null };
    routes({ 'GET /api/sessions/ses_1': json(200, { ...SESSION, ownerId: 'usr_ada', ownerName: 'Ada' }) });
    await openChat();
    // Her messages are hers, not "You".
    expect(await within(feed()).findByRole('article', { name: 'Ada said' })).toBeTruthy();
    const note = await screen.findByText("This is Ada's chat: you can read it, not write in it.");
    const input = screen.getByLabelText('Message the assistant') as HTMLTextAreaElement;
    expect(input.disabled).toBe(true);
    expect(input.getAttribute('aria-describedby')).toBe(note.id);
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
    // Renaming and deleting are the owner's too.
    expect(screen.queryByRole('button', { name: 'Rename' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });

  it("one's own chat keeps the composer open", async () => {
    page = { messages: [message('msg_mine', 1)], nextBefore: null };
    routes({ 'GET /api/sessions/ses_1': json(200, { ...SESSION, ownerId: 'owner', ownerName: 'owner' }) });
    await openChat();
    expect(await within(feed()).findByRole('article', { name: 'You said' })).toBeTruthy();
    // The session (and so its owner) has loaded once its title shows.
    await screen.findByRole('heading', { name: 'Release planning', level: 1 });
    expect((screen.getByLabelText('Message the assistant') as HTMLTextAreaElement).disabled).toBe(false);
    expect(screen.queryByText(/you can read it, not write in it/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Rename' })).toBeTruthy();
  });

  it('posts to the assistant and streams its reply in, once, with tool calls filling in', async () => {
    const { requests } = routes({
      'POST /api/sessions/ses_1/messages': ({ body }) =>
        json(202, { message: message('msg_u1', 1, { parts: [{ type: 'text', text: (body as { content: string }).content }] }), assistantMessageId: 'msg_a1' }),
    });
    await openChat();
    fireEvent.change(screen.getByLabelText('Message the assistant'), { target: { value: 'List my workflows' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await within(feed()).findByText('List my workflows');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ content: 'List my workflows' });

    // The server echoes the user message on the topic too: it shows once.
    await emit([
      ['message.created', message('msg_u1', 1, { parts: [{ type: 'text', text: 'List my workflows' }] })],
      ['message.created', message('msg_a1', 2, { role: 'assistant', parts: [], status: 'streaming' })],
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 1, partIndex: 0, op: { kind: 'append_text', text: 'Let me ' } }],
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 2, partIndex: 0, op: { kind: 'append_text', text: 'look.' } }],
      [
        'message.delta',
        {
          messageId: 'msg_a1',
          deltaSeq: 3,
          partIndex: 1,
          op: { kind: 'set_part', part: { type: 'tool_call', id: 'tu_1', name: 'workflows:list_workflows', input: null, status: 'running' } },
        },
      ],
    ]);
    expect(within(feed()).getAllByText('List my workflows')).toHaveLength(1);
    expect(within(feed()).getByText('Let me look.')).toBeTruthy();
    expect(within(feed()).getByText('workflows:list_workflows')).toBeTruthy();
    expect(within(feed()).getByText('Running')).toBeTruthy();

    await emit([
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 4, partIndex: 1, op: { kind: 'append_tool_input', json: '{"lim' } }],
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 4, partIndex: 1, op: { kind: 'append_tool_input', json: '{"lim' } }],
    ]);
    expect(within(feed()).getByText('{"lim')).toBeTruthy();
    await emit([
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 5, partIndex: 1, op: { kind: 'append_tool_input', json: 'it":5}' } }],
      [
        'message.delta',
        {
          messageId: 'msg_a1',
          deltaSeq: 6,
          partIndex: 1,
          op: {
            kind: 'set_part',
            part: { type: 'tool_call', id: 'tu_1', name: 'workflows:list_workflows', input: { limit: 5 }, inputText: '{"limit":5}', status: 'succeeded' },
          },
        },
      ],
      [
        'message.delta',
        {
          messageId: 'msg_a1',
          deltaSeq: 7,
          partIndex: 2,
          op: { kind: 'set_part', part: { type: 'tool_result', toolCallId: 'tu_1', output: [{ name: 'Nightly backup' }], isError: false } },
        },
      ],
    ]);
    expect(within(feed()).getByText(/Nightly backup/)).toBeTruthy();
    expect(within(feed()).getByText('Done')).toBeTruthy();
  });

  it('a reply whose server stopped while writing it ends, its words kept, with a note that it was interrupted', async () => {
    routes();
    await openChat();
    await emit([
      ['message.created', message('msg_a1', 2, { role: 'assistant', parts: [], status: 'streaming' })],
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 1, partIndex: 0, op: { kind: 'append_text', text: 'The first words' } }],
    ]);
    expect(within(feed()).getByText('The first words')).toBeTruthy();
    const final = message('msg_a1', 2, {
      role: 'assistant',
      status: 'canceled',
      deltaSeq: 1,
      parts: [
        { type: 'text', text: 'The first words' },
        { type: 'finish', reason: 'interrupted' },
      ],
    });
    await emit([['message.completed', { messageId: 'msg_a1', status: 'canceled', message: final }]]);
    expect(within(feed()).getByText('The first words')).toBeTruthy();
    expect(await within(feed()).findByText('Interrupted: the server stopped while writing this reply.')).toBeTruthy();
  });

  it('shows a run as one container per loop iteration, streaming, then the approval card where it waits', async () => {
    routes({ 'POST /api/approvals/apr_1/decision': json(200, approval('approved')) });
    await openChat();
    const bp = (i: number) => ({ executionId: 'ex_1', stepId: 'summarise', iterationPath: `each_region[${i}]`, attempt: 1 });
    const run = (i: number) => ({ executionId: 'ex_1', stepId: 'summarise', iterationPath: `each_region[${i}]`, attempt: 1, startedAt: AT(20 + 10 * i) });
    await emit([
      ['execution.updated', summary('running')],
      ['step.updated', { executionId: 'ex_1', stepId: 'each_region', iterationPath: '', attempt: 1, status: 'running', startedAt: AT(11), finishedAt: null }],
    ]);
    expect(await within(feed()).findByText('Review regions')).toBeTruthy();
    expect(screen.getByRole('status', { name: 'Running in this chat' })).toBeTruthy();

    for (const i of [0, 1, 2]) {
      await emit([
        ['step.updated', { ...run(i), status: 'running', finishedAt: null }],
        ['message.created', message(`p${i}`, 21 + 10 * i, { ...bp(i), parts: [{ type: 'text', text: `Status of region ${i}` }] })],
        [
          'message.created',
          message(`r${i}`, 22 + 10 * i, { ...bp(i), role: 'assistant', parts: [], status: 'streaming', meta: { provider: 'anthropic', model: 'claude-test' } }),
        ],
        ['message.delta', { messageId: `r${i}`, deltaSeq: 1, partIndex: 0, op: { kind: 'append_text', text: `Region ${i} ` } }],
      ]);
      await waitFor(() => expect(within(feed()).getByText(`Region ${i}`)).toBeTruthy());
      await emit([
        ['message.delta', { messageId: `r${i}`, deltaSeq: 2, partIndex: 0, op: { kind: 'append_text', text: 'is healthy.' } }],
        [
          'message.completed',
          {
            messageId: `r${i}`,
            status: 'complete',
            message: message(`r${i}`, 22 + 10 * i, {
              ...bp(i),
              role: 'assistant',
              deltaSeq: 2,
              parts: [{ type: 'text', text: `Region ${i} is healthy.` }],
              meta: { provider: 'anthropic', model: 'claude-test', usage: { inputTokens: 12, outputTokens: 34 } },
            }),
          },
        ],
        [
          'step.updated',
          {
            ...run(i),
            status: 'succeeded',
            finishedAt: AT(25 + 10 * i),
            output: { text: `Region ${i} is healthy.`, model: 'claude-test', provider: 'anthropic', usage: { inputTokens: 12, outputTokens: 34 }, attempts: 1 },
          },
        ],
      ]);
    }
    const containers = feed().querySelectorAll('section.step-box');
    expect(containers).toHaveLength(3);
    expect([...containers].map((c) => c.querySelector('.step-box__iteration')?.textContent)).toEqual([
      'each_region #1 · eu',
      'each_region #2 · us',
      'each_region #3 · ap',
    ]);
    for (const [i, container] of [...containers].entries()) {
      expect(within(container as HTMLElement).getByText(`Region ${i} is healthy.`)).toBeTruthy();
      expect(within(container as HTMLElement).getByText(`Status of region ${i}`)).toBeTruthy();
      expect(within(container as HTMLElement).getByText('12 in / 34 out tokens')).toBeTruthy();
    }

    await emit([
      ['step.updated', { executionId: 'ex_1', stepId: 'sign_off', iterationPath: '', attempt: 1, status: 'waiting', startedAt: AT(60), finishedAt: null }],
      ['approval.requested', approval('pending')],
      ['execution.updated', summary('waiting')],
    ]);
    const card = await within(feed()).findByRole('article', { name: 'Approval needed' });
    expect(within(card).getByText('Publish the summaries?')).toBeTruthy();
    fireEvent.click(within(card).getByRole('button', { name: 'Approve' }));
    expect(await within(feed()).findByText('owner')).toBeTruthy();
    expect(within(feed()).getByRole('article', { name: 'Approved' })).toBeTruthy();
  });

  it('shows a change the assistant asks for as a tool-approval card; the click sends only the decision', async () => {
    const toolApproval = (status: 'pending' | 'approved') => ({
      id: 'tap_1',
      kind: 'tool',
      sessionId: 'ses_1',
      executionId: null,
      workflowId: null,
      stepId: null,
      iterationPath: '',
      tool: { name: 'workflows:run_workflow', arguments: { id: 'wf_1' } },
      message: 'The assistant wants to run workflows:run_workflow with {"id":"wf_1"}. Allow it?',
      approvers: [],
      requestedAt: AT(3),
      expiresAt: AT(600),
      status,
      ...(status === 'approved' ? { decision: { decision: 'approve', decidedBy: 'owner', decidedAt: AT(4), comment: null } } : {}),
    });
    const { requests } = routes({ 'POST /api/approvals/tap_1/decision': json(200, toolApproval('approved')) });
    await openChat();
    const call = (status: string) => ({ type: 'tool_call', id: 'tu_1', name: 'workflows:run_workflow', input: { id: 'wf_1' }, status });
    await emit([
      ['message.created', message('msg_a1', 2, { role: 'assistant', parts: [], status: 'streaming' })],
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 1, partIndex: 0, op: { kind: 'set_part', part: call('running') } }],
      ['message.delta', { messageId: 'msg_a1', deltaSeq: 2, partIndex: 0, op: { kind: 'set_part', part: call('waiting') } }],
      ['approval.requested', toolApproval('pending')],
    ]);
    expect(await within(feed()).findByText('Waiting for approval')).toBeTruthy();
    const card = await within(feed()).findByRole('article', { name: 'The assistant asks before running a tool' });
    expect(within(card).getByText('workflows:run_workflow')).toBeTruthy();
    fireEvent.click(within(card).getByRole('button', { name: 'Approve' }));
    expect(await within(feed()).findByRole('article', { name: 'Approved' })).toBeTruthy();
    // Who decided is the signed-in person, set by the server: the client sends no name.
    expect(requests.find((r) => r.method === 'POST' && r.path === '/api/approvals/tap_1/decision')?.body).toEqual({ decision: 'approve' });
  });

  it('windows a long session: 5,000 messages, only the rows near the end in the DOM', async () => {
    page = {
      messages: Array.from({ length: 5000 }, (_, i) =>
        message(`m${i}`, i, { role: i % 2 === 0 ? 'user' : 'assistant', parts: [{ type: 'text', text: `Message number ${i}` }] }),
      ),
      nextBefore: null,
    };
    routes();
    // How long the session takes to order is measured by `pnpm bench chat`, not asserted here.
    await openChat();
    const rows = feed().querySelectorAll('[data-row-key]');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(within(feed()).getByText('Message number 4999')).toBeTruthy();
    expect(within(feed()).queryByText('Message number 0')).toBeNull();

    // Scrolled to the top, the window moves there (jsdom does no layout: the element says where it is).
    await act(async () => {
      Object.defineProperties(feed(), {
        clientHeight: { configurable: true, value: 800 },
        scrollHeight: { configurable: true, value: 500_000 },
        scrollTop: { configurable: true, writable: true, value: 0 },
      });
      fireEvent.scroll(feed());
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
    });
    await waitFor(() => expect(within(feed()).getByText('Message number 0')).toBeTruthy());
    expect(feed().querySelectorAll('[data-row-key]').length).toBeLessThan(60);
  });

  it('renders a draft as a diagram card that saves with its trigger or opens in the editor', async () => {
    const draft = { name: 'Disk report', steps: [{ id: 'df', type: 'bash', command: 'df -h' }] };
    page = {
      messages: [
        message('u1', 1, { parts: [{ type: 'text', text: 'every weekday at 9 run df -h' }] }),
        message('a1', 2, {
          role: 'assistant',
          parts: [
            { type: 'text', text: 'Here is a draft.' },
            { type: 'draft', definition: draft, trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } } },
          ],
        }),
      ],
      nextBefore: null,
    };
    const { requests } = routes({ 'POST /api/workflows': json(201, { id: 'wf_9', version: 1, definition: draft, createdAt: AT(3), updatedAt: AT(3) }) });
    await openChat();
    expect(within(feed()).getByText('Disk report')).toBeTruthy();
    expect(within(feed()).getByRole('region', { name: 'Draft: Disk report' })).toBeTruthy();
    // Its schedule runs it on its own: Save shows its steps first, and saves nothing yet.
    fireEvent.click(within(feed()).getByRole('button', { name: 'Save workflow' }));
    expect(within(feed()).getByTestId<HTMLDetailsElement>('draft-review').open).toBe(true);
    expect(requests.some((r) => r.method === 'POST' && r.path === '/api/workflows')).toBe(false);
    fireEvent.click(within(feed()).getByRole('button', { name: 'Save and turn on schedule' }));
    expect(await within(feed()).findByRole('link', { name: 'Open “Disk report”' })).toBeTruthy();
    const body = requests.find((r) => r.method === 'POST' && r.path === '/api/workflows')?.body as { definition: unknown; trigger: { key: string } };
    expect(body.definition).toEqual(draft);
    expect(body.trigger).toMatchObject({ type: 'schedule', enabled: true, schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } });
    expect(body.trigger.key).toMatch(/^disk-report-[a-z0-9]+$/);
  });
});

function approval(status: 'pending' | 'approved') {
  return {
    id: 'apr_1',
    executionId: 'ex_1',
    workflowId: 'wf_1',
    stepId: 'sign_off',
    iterationPath: '',
    message: 'Publish the summaries?',
    approvers: [],
    requestedAt: AT(60),
    expiresAt: AT(600),
    status,
    ...(status === 'approved' ? { decision: { decision: 'approve', decidedBy: 'owner', decidedAt: AT(70), comment: null } } : {}),
  };
}
