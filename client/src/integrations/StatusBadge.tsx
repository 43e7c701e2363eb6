import type { IntegrationStatus } from '@weft/shared';

const TONE: { readonly [S in IntegrationStatus]: string } = {
  pending: 'chip',
  syncing: 'chip chip--accent',
  ready: 'chip chip--ok',
  degraded: 'chip chip--warn',
  error: 'chip chip--danger',
};

/** The integration's status, with its reason as the title and next to it when there is one. */
export function StatusBadge({ status, reason }: { status: IntegrationStatus; reason: string | null }) {
  return (
    <span className="integration-status">
      <span className={TONE[status]} title={reason ?? undefined} data-status={status}>
        {status}
      </span>
      {reason !== null && <span className="muted"> {reason}</span>}
    </span>
  );
}
