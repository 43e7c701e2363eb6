import type { Notification } from '@weft/shared';
import { Link } from 'react-router';
import { RelativeTime } from '../components/RelativeTime';
import { runPath } from '../lib/paths';

/** One inbox row: title, message, when, a link to the run; unread ones can be marked read. */
export function NotificationItem({ notification, onMarkRead, marking }: { notification: Notification; onMarkRead: (id: string) => void; marking: boolean }) {
  const unread = notification.readAt === null;
  return (
    <article className={`notification notification--${notification.level}${unread ? ' notification--unread' : ''}`} aria-label={notification.title}>
      <div className="notification__head">
        <span className="notification__level">{LEVEL_LABEL[notification.level]}</span>
        <h2 className="notification__title">{notification.title}</h2>
        {unread && <span className="notification__dot" title="Unread" />}
      </div>
      <p className="notification__message">{notification.message}</p>
      <div className="notification__meta">
        <RelativeTime iso={notification.createdAt} />
        <span aria-hidden="true">·</span>
        <span>step {notification.stepId}</span>
        <Link className="notification__run" to={runPath(notification.executionId)}>
          Open the run
        </Link>
        {unread && (
          <button type="button" className="btn btn--small btn--ghost" disabled={marking} onClick={() => onMarkRead(notification.id)}>
            Mark read
          </button>
        )}
      </div>
    </article>
  );
}

const LEVEL_LABEL: Record<Notification['level'], string> = { info: 'Info', success: 'Success', warning: 'Warning', error: 'Error' };
