import type { ExecutionStatus, StepStatus } from '@weft/shared';
import { StatusIcon } from '../diagram/nodes/icons';

const LABELS: { readonly [S in ExecutionStatus]: string } = {
  queued: 'Queued',
  running: 'Running',
  waiting: 'Waiting',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  denied: 'Denied',
};

function iconStatus(status: ExecutionStatus): StepStatus {
  switch (status) {
    case 'queued':
      return 'pending';
    case 'denied':
      return 'failed';
    case 'running':
    case 'waiting':
    case 'succeeded':
    case 'failed':
    case 'canceled':
      return status;
    default: {
      const unexpected: never = status;
      return unexpected;
    }
  }
}

export function StatusPill({ status }: { status: ExecutionStatus }) {
  return (
    <span className={`status-pill status-pill--${status}`}>
      <StatusIcon status={iconStatus(status)} />
      {LABELS[status]}
    </span>
  );
}
