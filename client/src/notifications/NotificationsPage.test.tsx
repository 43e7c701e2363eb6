import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Notification } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { json, mockFetch, signedIn } from '../../test/fetch-mock';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { renderApp } from '../../test/render-app';

const AT = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const note = (id: string, extra: Partial<Notification> = {}): Notification => ({
  id,
  executionId: `ex_${id}`,
  workflowId: 'wf_1',
  stepId: 'tell',
  title: 'Disk check',
  message: `Disk at 81% (${id})`,
  level: 'warning',
  createdAt: AT(3),
  readAt: null,
  ...extra,
});

let live: FakeLive;
/** What `GET /api/notifications` answers now; tests change it as the server would. */
let inbox: Notification[];

function serve() {
  return mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/events': ({ path }) =>
      json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/notifications': ({ path }) => {
      const q = new URL(path, 'http://x').searchParams;
      const before = q.get('before');
      const page = inbox
        .filter((n) => (q.get('unread') !== 'true' || n.readAt === null) && (before === null || n.id < before))
        .slice(0, Number(q.get('limit') ?? 50));
      return json(200, { notifications: page, unreadCount: inbox.filter((n) => n.readAt === null).length });
    },
    'POST /api/notifications/read': ({ body }) => {
      const b = body as { ids?: string[]; all?: true };
      const readAt = AT(0);
      let marked = 0;
      inbox = inbox.map((n) => {
        if (n.readAt !== null || !(b.all || b.ids?.includes(n.id))) return n;
        marked++;
        return { ...n, readAt };
      });
      return json(200, { marked, unreadCount: inbox.filter((n) => n.readAt === null).length });
    },
  });
}

const badge = () => within(screen.getByRole('link', { name: /Notifications/ }));

beforeEach(() => {
  live = startLiveTest();
  inbox = [note('ntf_2'), note('ntf_1', { readAt: AT(1), level: 'info', title: 'Nightly report', message: 'all fine' })];
});
afterEach(() => endLiveTest());

describe('Notifications page', () => {
  it('lists notifications with a link to each run and an unread badge in the nav', async () => {
    serve();
    renderApp('/notifications');
    const list = await screen.findByRole('list', { name: 'Notifications' });
    const items = within(list).getAllByRole('article');
    expect(items.map((a) => a.getAttribute('aria-label'))).toEqual(['Disk check', 'Nightly report']);
    expect(within(items[0]!).getByText('Disk at 81% (ntf_2)')).toBeTruthy();
    expect(within(items[0]!).getByRole('link', { name: 'Open the run' }).getAttribute('href')).toBe('/automation/executions/ex_ntf_2');
    // Only the unread one can be marked read.
    expect(within(items[0]!).queryByRole('button', { name: 'Mark read' })).not.toBeNull();
    expect(within(items[1]!).queryByRole('button', { name: 'Mark read' })).toBeNull();
    await waitFor(() => expect(badge().getByText('1 unread')).toBeTruthy());
  });

  it('marks one read, then all, and the badge goes away', async () => {
    inbox.push(note('ntf_0'));
    const { requests } = serve();
    renderApp('/notifications');
    await waitFor(() => expect(badge().getByText('2 unread')).toBeTruthy());
    const first = (await screen.findAllByRole('article'))[0]!;
    fireEvent.click(within(first).getByRole('button', { name: 'Mark read' }));
    await waitFor(() => expect(badge().getByText('1 unread')).toBeTruthy());
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ ids: ['ntf_2'] });

    fireEvent.click(screen.getByRole('button', { name: 'Mark all read' }));
    await waitFor(() => expect(badge().queryByText(/unread/)).toBeNull());
    expect(requests.filter((r) => r.method === 'POST').at(-1)?.body).toEqual({ all: true });
    expect((screen.getByRole('button', { name: 'Mark all read' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryAllByRole('button', { name: 'Mark read' })).toEqual([]);
  });

  it('shows a notification that arrives on the notifications topic, without reload', async () => {
    serve();
    renderApp('/notifications');
    await screen.findByRole('list', { name: 'Notifications' });
    await waitFor(() => expect(live.isSubscribed('notifications')).toBe(true));
    const fresh = note('ntf_3', { title: 'Backup failed', level: 'error', message: 'exit 2' });
    inbox = [fresh, ...inbox];
    act(() => void live.append('notifications', 'notification.created', fresh));
    expect(await screen.findByRole('article', { name: 'Backup failed' })).toBeTruthy();
    await waitFor(() => expect(badge().getByText('2 unread')).toBeTruthy());
  });

  it('loads older pages with before=, and keeps them in order when a new one arrives', async () => {
    // 60 read ones, ids in time order: ntf_100 (oldest) to ntf_159 (newest).
    inbox = Array.from({ length: 60 }, (_, i) => note(`ntf_${159 - i}`, { readAt: AT(0), title: `Run ${159 - i}` }));
    serve();
    renderApp('/notifications');
    await waitFor(() => expect(screen.getAllByRole('article')).toHaveLength(50));
    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(screen.getAllByRole('article')).toHaveLength(60));
    expect(screen.queryByRole('button', { name: 'Load older' })).toBeNull();
    await waitFor(() => expect(live.isSubscribed('notifications')).toBe(true));
    const fresh = note('ntf_160', { title: 'Run 160' });
    inbox = [fresh, ...inbox];
    act(() => void live.append('notifications', 'notification.created', fresh));
    await waitFor(() => expect(screen.getAllByRole('article')).toHaveLength(61));
    const titles = screen.getAllByRole('article').map((a) => a.getAttribute('aria-label'));
    expect(titles).toEqual(Array.from({ length: 61 }, (_, i) => `Run ${160 - i}`));
  });

  it('the Unread tab lists only unread ones', async () => {
    serve();
    renderApp('/notifications?show=unread');
    await waitFor(() => expect(screen.getAllByRole('article').map((a) => a.getAttribute('aria-label'))).toEqual(['Disk check']));
  });
});

describe('browser notifications', () => {
  function stubNotification(permission: NotificationPermission) {
    const shown: { title: string; options: NotificationOptions | undefined }[] = [];
    const requestPermission = vi.fn(async () => {
      Fake.permission = 'granted';
      return 'granted' as const;
    });
    class Fake {
      static permission: NotificationPermission = permission;
      static requestPermission = requestPermission;
      onclick: (() => void) | null = null;
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, options });
      }
      close() {}
    }
    vi.stubGlobal('Notification', Fake);
    return { shown, requestPermission };
  }
  function setVisibility(state: DocumentVisibilityState) {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  }
  afterEach(() => setVisibility('visible'));

  it('asks only when the button is clicked, then says so', async () => {
    const { requestPermission } = stubNotification('default');
    serve();
    renderApp('/notifications');
    const ask = await screen.findByRole('button', { name: 'Alert me in background tabs' });
    expect(requestPermission).not.toHaveBeenCalled();
    fireEvent.click(ask);
    expect(await screen.findByText('Background tabs get a system notification.')).toBeTruthy();
    expect(requestPermission).toHaveBeenCalledTimes(1);
  });

  it('shows a system notification for one arriving while the tab is hidden, not while it is visible', async () => {
    const { shown } = stubNotification('granted');
    serve();
    renderApp('/automation/schedules-and-hooks');
    await waitFor(() => expect(live.isSubscribed('notifications')).toBe(true));
    act(() => void live.append('notifications', 'notification.created', note('ntf_4', { title: 'Seen in the tab' })));
    setVisibility('hidden');
    act(() => void live.append('notifications', 'notification.created', note('ntf_5', { title: 'Backup failed', message: 'exit 2' })));
    await waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]).toEqual({ title: 'Backup failed', options: { body: 'exit 2', tag: 'ntf_5' } });
  });
});
