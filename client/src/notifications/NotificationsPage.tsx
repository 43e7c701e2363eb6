// `.tabs` (and its count) are styled by the approvals sheet, whose tabs this page shares.
import '../approvals/approvals.css';
import './notifications.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { MarkNotificationsReadRequest } from '@weft/shared';
import { useSearchParams } from 'react-router';
import { notificationKeys, notificationsApi } from '../api/notifications';
import { BellIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel, isMissingEndpoint, UnavailablePanel } from '../components/Panels';
import { SkeletonRows } from '../components/Skeleton';
import { BrowserNotificationsButton } from './BrowserNotificationsButton';
import { NotificationItem } from './NotificationItem';
import { useNotificationsFeed } from './use-notifications-feed';

/** The Notifications inbox: what notify steps of runs without a chat said, newest first, live. */
export function NotificationsPage() {
  const [search, setSearch] = useSearchParams();
  const unreadOnly = search.get('show') === 'unread';
  const feed = useNotificationsFeed({ unread: unreadOnly });
  const queryClient = useQueryClient();
  const markRead = useMutation({
    mutationFn: (body: MarkNotificationsReadRequest) => notificationsApi.markRead(body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [...notificationKeys.all, 'list'] }),
  });
  const select = (unread: boolean) => setSearch(unread ? { show: 'unread' } : {}, { replace: true });

  return (
    <div className="page">
      <title>Notifications · Weft</title>
      <PageHeader title="Notifications" subtitle="Messages from notify steps of runs that have no chat: schedules, webhooks and “Run now”." />
      <div className="notifications__toolbar">
        <div className="tabs" role="tablist" aria-label="Notifications">
          <button type="button" role="tab" className="tabs__tab" aria-selected={!unreadOnly} onClick={() => select(false)}>
            All
          </button>
          <button type="button" role="tab" className="tabs__tab" aria-selected={unreadOnly} onClick={() => select(true)}>
            Unread {feed.unreadCount > 0 && <span className="tabs__count">{feed.unreadCount}</span>}
          </button>
        </div>
        <div className="notifications__actions">
          <BrowserNotificationsButton />
          <button type="button" className="btn" disabled={feed.unreadCount === 0 || markRead.isPending} onClick={() => markRead.mutate({ all: true })}>
            Mark all read
          </button>
        </div>
      </div>
      {markRead.error !== null && <ErrorPanel title="Could not mark them read" error={markRead.error} />}
      <Body feed={feed} unreadOnly={unreadOnly} onMarkRead={(id) => markRead.mutate({ ids: [id] })} marking={markRead.isPending} />
    </div>
  );
}

function Body({
  feed,
  unreadOnly,
  onMarkRead,
  marking,
}: {
  feed: ReturnType<typeof useNotificationsFeed>;
  unreadOnly: boolean;
  onMarkRead: (id: string) => void;
  marking: boolean;
}) {
  if (feed.isPending) return <SkeletonRows label="Loading notifications" />;
  if (feed.error !== null) {
    if (isMissingEndpoint(feed.error)) return <UnavailablePanel title="This server has no notifications inbox">Update Weft to get one.</UnavailablePanel>;
    return <ErrorPanel title="Could not load notifications" error={feed.error} />;
  }
  if (feed.notifications.length === 0) {
    return (
      <EmptyPanel icon={<BellIcon />} title={unreadOnly ? 'Nothing unread' : 'No notifications yet'}>
        When a notify step runs in a workflow that was not started from a chat, its message lands here.
      </EmptyPanel>
    );
  }
  return (
    <>
      <ul className="notifications" aria-label="Notifications">
        {feed.notifications.map((n) => (
          <li key={n.id}>
            <NotificationItem notification={n} onMarkRead={onMarkRead} marking={marking} />
          </li>
        ))}
      </ul>
      {feed.hasOlder && (
        <div className="notifications__more">
          <button type="button" className="btn" disabled={feed.loadingOlder} onClick={feed.loadOlder}>
            {feed.loadingOlder ? 'Loading…' : 'Load older'}
          </button>
        </div>
      )}
    </>
  );
}
