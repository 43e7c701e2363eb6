import './executions.css';
import type { LiveStatus } from '../api/live-socket';

/** "Live" while the socket is open; says so plainly while it reconnects. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  const connected = status === 'open';
  return (
    <span className={`live-indicator live-indicator--${connected ? 'on' : 'off'}`} role="status">
      <span className="live-indicator__dot" aria-hidden="true" />
      {connected ? 'Live' : status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
    </span>
  );
}
