import { useNow } from '../../lib/use-now';
import { formatElapsed } from '../../lib/elapsed';
import { STATUS_LABELS, type StepDisplay } from '../step-display';
import { StatusIcon } from './icons';

function durationOf(display: StepDisplay, now: number): string {
  if (display.startedAt === null) return '';
  const start = Date.parse(display.startedAt);
  const end = display.finishedAt === null ? now : Date.parse(display.finishedAt);
  if (Number.isNaN(start) || Number.isNaN(end)) return '';
  return formatElapsed(Math.max(0, end - start));
}

/** Status icon, label and duration for a node in runtime mode. */
export function StatusBadge({ display, showAttempt = true }: { display: StepDisplay | null; showAttempt?: boolean }) {
  const live = display !== null && display.finishedAt === null && display.startedAt !== null;
  const now = useNow(live);
  if (display === null) {
    return (
      <span className="wf-status wf-status--idle" data-status="none">
        Not started
      </span>
    );
  }
  const duration = durationOf(display, now);
  const tally = display.count > 1 ? ` · ${display.succeeded}/${display.count}` : '';
  const retry = showAttempt && display.attempt > 1 ? ` · attempt ${display.attempt}` : '';
  return (
    <span className={`wf-status wf-status--${display.status}`} data-status={display.status}>
      <StatusIcon status={display.status} />
      <span className="wf-status__label">
        {STATUS_LABELS[display.status]}
        {tally}
        {retry}
      </span>
      {duration !== '' && <span className="wf-status__duration">{duration}</span>}
    </span>
  );
}
