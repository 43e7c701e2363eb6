import { useState } from 'react';
import { browserPermission, requestBrowserPermission, type BrowserPermission } from './browser-notifications';

/** Asks for the browser's permission from a click (never on load), and says what was decided. */
export function BrowserNotificationsButton() {
  const [permission, setPermission] = useState<BrowserPermission>(browserPermission);
  if (permission === 'unsupported') return null;
  if (permission === 'granted') return <span className="notifications__browser">Background tabs get a system notification.</span>;
  if (permission === 'denied') return <span className="notifications__browser">System notifications are blocked in this browser's site settings.</span>;
  return (
    <button type="button" className="btn" onClick={() => void requestBrowserPermission().then(setPermission)}>
      Alert me in background tabs
    </button>
  );
}
