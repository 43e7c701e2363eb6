import { useNavigate } from 'react-router';
import { showWhileHidden } from '../notifications/browser-notifications';
import { useNotificationsFeed } from '../notifications/use-notifications-feed';

/**
 * Unread notifications, live from the `notifications` topic; hidden when there are none or the
 * server has no notifications API. Mounted with the nav, so it is also what shows a browser
 * notification for one arriving while the tab is in the background.
 */
export function NotificationsBadge() {
  const navigate = useNavigate();
  const feed = useNotificationsFeed({ onCreated: (n) => showWhileHidden(n, (path) => void navigate(path)) });
  const count = feed.unreadCount;
  if (feed.error !== null || count === 0) return null;
  return (
    <span className="nav__badge">
      <span aria-hidden="true">{count > 99 ? '99+' : count}</span>
      <span className="visually-hidden">{count} unread</span>
    </span>
  );
}
