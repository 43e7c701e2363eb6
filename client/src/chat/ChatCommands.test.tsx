import '../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { json, mockFetch, type Handler, signedIn } from '../../test/fetch-mock';
import { assistantMessage } from '../../test/messages';
import { renderApp } from '../../test/render-app';

/** The composer's `/` palette, links in answers, and renaming and deleting a chat. */

const AT = new Date(Date.UTC(2025, 4, 1, 9)).toISOString();
const SESSION = { id: 'ses_1', title: 'Disk check', createdAt: AT, lastActivityAt: AT, runningExecutions: 0 };
const TOPIC = 'session:ses_1';
const workflow = (id: string, name: string) => ({ id, version: 1, definition: { name, steps: [] }, createdAt: AT, updatedAt: AT });

let live: FakeLive;

function routes(extra: Record<string, Handler | Response> = {}) {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/sessions': json(200, { sessions: [SESSION] }),
    'GET /api/sessions/ses_1': json(200, SESSION),
    'GET /api/sessions/ses_1/messages': () => json(200, { messages: [], nextBefore: null, lastSeq: live.lastSeq(TOPIC) }),
    'GET /api/executions': json(200, { executions: [], nextBefore: null }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/workflows': json(200, { workflows: [workflow('wf_1', 'Disk check'), workflow('wf_2', 'Backup'), workflow('wf_3', 'Nightly report')] }),
    'GET /api/events': ({ path }) =>
      json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    'POST /api/sessions/ses_1/messages': ({ body }) =>
      json(202, {
        message: {
          id: 'msg_u',
          sessionId: 'ses_1',
          role: 'user',
          parts: [{ type: 'text', text: (body as { content: string }).content }],
          status: 'complete',
          deltaSeq: 0,
          createdAt: AT,
        },
        assistantMessageId: 'msg_a',
      }),
    ...extra,
  });
}

async function openChat() {
  const app = renderApp('/chat/ses_1');
  await screen.findByRole('region', { name: 'Conversation' }, { timeout: 10_000 });
  await waitFor(() => expect(live.isSubscribed(TOPIC)).toBe(true));
  return app;
}

const composer = () => screen.getByRole('combobox', { name: 'Message the assistant' }) as HTMLTextAreaElement;
const type = (value: string) => fireEvent.change(composer(), { target: { value } });
const key = (k: string) => fireEvent.keyDown(composer(), { key: k });
const optionLabels = () =>
  within(screen.getByRole('listbox', { name: 'Commands and workflows' }))
    .getAllByRole('option')
    .map((o) => o.firstChild?.textContent);

beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('the / palette', () => {
  it('completes commands, then workflow names, with the keyboard, and sends only when closed', async () => {
    const { requests } = routes();
    await openChat();
    expect(composer().getAttribute('aria-expanded')).toBe('false');
    type('/');
    expect(optionLabels()).toEqual(['/run', '/runs', '/why', '/fix', '/approve', '/deny', '/help']);
    expect(composer().getAttribute('aria-expanded')).toBe('true');
    type('/r');
    expect(optionLabels()).toEqual(['/run', '/runs']);
    const first = screen.getByRole('option', { name: /\/run Start/ });
    expect(first.getAttribute('aria-selected')).toBe('true');
    expect(composer().getAttribute('aria-activedescendant')).toBe(first.id);

    key('Enter'); // picks /run, does not send
    expect(composer().value).toBe('/run ');
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
    await waitFor(() => expect(optionLabels()).toEqual(['Disk check', 'Backup', 'Nightly report']));
    key('ArrowDown');
    key('ArrowDown');
    key('ArrowUp');
    expect(screen.getByRole('option', { name: /Backup/ }).getAttribute('aria-selected')).toBe('true');
    key('Tab');
    expect(composer().value).toBe('/run Backup ');
    expect(screen.queryByRole('listbox')).toBeNull();

    type('/run Backup dry=true');
    key('Enter');
    await waitFor(() => expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ content: '/run Backup dry=true' }));
  });

  it('Escape closes it until the text changes; a click picks', async () => {
    routes();
    await openChat();
    type('/runs ni');
    await waitFor(() => expect(optionLabels()).toEqual(['Nightly report']));
    key('Escape');
    expect(screen.queryByRole('listbox')).toBeNull();
    type('/runs n');
    await waitFor(() => expect(optionLabels()).toEqual(['Nightly report']));
    fireEvent.mouseDown(screen.getByRole('option', { name: /Nightly report/ }));
    expect(composer().value).toBe('/runs Nightly report');
    expect(screen.queryByRole('listbox')).toBeNull();
  });
});

describe('answers', () => {
  it('render workflow and run names as links inside the sentence', async () => {
    routes();
    await openChat();
    const reply = assistantMessage(
      [
        { type: 'text', text: 'Run ' },
        { type: 'link', text: 'ex_9', target: { kind: 'execution', id: 'ex_9' } },
        { type: 'text', text: ' of ' },
        { type: 'link', text: 'Disk check', target: { kind: 'workflow', id: 'wf_1' } },
        { type: 'text', text: ' failed at step ' },
        { type: 'link', text: 'df', target: { kind: 'execution', id: 'ex_9', stepId: 'df' } },
        { type: 'text', text: ': exit code 1' },
      ],
      { createdAt: AT },
    );
    await act(async () => {
      live.append(TOPIC, 'message.created', reply);
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
    });
    const feed = screen.getByRole('region', { name: 'Conversation' });
    const sentence = await within(feed).findByText(
      (_, el) => el?.tagName === 'P' && el.textContent === 'Run ex_9 of Disk check failed at step df: exit code 1',
    );
    expect(within(sentence).getByRole('link', { name: 'ex_9' }).getAttribute('href')).toBe('/automation/executions/ex_9');
    expect(within(sentence).getByRole('link', { name: 'Disk check' }).getAttribute('href')).toBe('/automation/workflows/wf_1');
    expect(within(sentence).getByRole('link', { name: 'df' }).getAttribute('href')).toBe('/automation/executions/ex_9?step=df');
  });
});

describe('rename and delete', () => {
  it('renames in place: Escape cancels, Save keeps the trimmed title', async () => {
    const { requests } = routes({
      'PATCH /api/sessions/ses_1': ({ body }) => json(200, { ...SESSION, title: (body as { title: string }).title }),
    });
    await openChat();
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    const field = screen.getByLabelText('Chat title') as HTMLInputElement;
    expect(field.value).toBe('Disk check');
    fireEvent.keyDown(field, { key: 'Escape' });
    expect(screen.queryByLabelText('Chat title')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    fireEvent.change(screen.getByLabelText('Chat title'), { target: { value: '  Ops checks ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Ops checks' })).toBeTruthy();
    expect(requests.find((r) => r.method === 'PATCH')?.body).toEqual({ title: 'Ops checks' });
  });

  it('deletes after confirming and goes back to the chats; a busy chat says why it stays', async () => {
    let busy = true;
    const { requests } = routes({
      'DELETE /api/sessions/ses_1': () =>
        busy
          ? json(409, { error: { code: 'session_busy', message: 'this chat has 1 run in progress: cancel it or let it finish, then delete the chat' } })
          : json(204),
    });
    await openChat();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete this chat?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete chat' }));
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/1 run in progress/);

    busy = false;
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete chat' }));
    await screen.findByRole('heading', { level: 1, name: 'Chat' });
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });

  it('the chats list drops a chat deleted elsewhere, live', async () => {
    routes();
    renderApp('/chat');
    await screen.findByRole('link', { name: /Disk check/ });
    await waitFor(() => expect(live.isSubscribed('sessions')).toBe(true));
    // Another person's chat deleted: its seq alone, which changes nothing here.
    act(() => live.append('sessions', 'session.deleted', {}));
    expect(screen.getByRole('link', { name: /Disk check/ })).toBeTruthy();
    act(() => live.append('sessions', 'session.deleted', { id: 'ses_1', ownerId: 'owner' }));
    await waitFor(() => expect(screen.queryByRole('link', { name: /Disk check/ })).toBeNull());
    // Empty now: one "New chat", in the empty panel, not repeated in the header.
    expect(await screen.findByText('No chats yet')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'New chat' })).toHaveLength(1);
  });
});
