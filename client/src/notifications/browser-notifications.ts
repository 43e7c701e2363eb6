import type { Notification as InboxNotification } from '@weft/shared';
import { runPath } from '../lib/paths';

export type BrowserPermission = NotificationPermission | 'unsupported';

/** Whether this browser can show notifications, and what the person said so far. */
export function browserPermission(): BrowserPermission {
  return typeof window !== 'undefined' && 'Notification' in window ? window.Notification.permission : 'unsupported';
}

/** Asks the person (only from a click: browsers ignore or penalise asking on load). */
export async function requestBrowserPermission(): Promise<BrowserPermission> {
  if (browserPermission() === 'unsupported') return 'unsupported';
  return window.Notification.requestPermission();
}

/**
 * Shows an inbox notification as a system notification when the tab is in the background and the
 * person allowed it; a visible tab has the badge and the page instead. A click focuses the tab
 * and opens the run.
 */
export function showWhileHidden(notification: InboxNotification, open: (path: string) => void): boolean {
  if (document.visibilityState !== 'hidden' || browserPermission() !== 'granted') return false;
  const shown = new window.Notification(notification.title, { body: notification.message, tag: notification.id });
  shown.onclick = () => {
    window.focus();
    open(runPath(notification.executionId));
    shown.close();
  };
  return true;
}
