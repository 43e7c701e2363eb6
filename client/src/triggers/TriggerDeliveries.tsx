import { useQuery } from '@tanstack/react-query';
import type { DeliveryCount, Trigger, TriggerDelivery } from '@weft/shared';
import { useState } from 'react';
import { Link } from 'react-router';
import { triggerKeys, triggersApi } from '../api/triggers';
import { describeError } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonLine } from '../components/Skeleton';
import { formatAbsolute } from '../lib/time';
import { runPath } from '../lib/paths';

export const DELIVERIES_SHOWN = 5;
/** Per-minute counters of refused calls and replays shown under the deliveries. */
const COUNTS = 5;

const DELIVERY_KIND: { readonly [K in TriggerDelivery['kind']]: string } = {
  schedule: 'Scheduled',
  catch_up: 'Catch-up',
  webhook: 'Webhook call',
  manual: 'Run now',
};

function deliveryTone(status: TriggerDelivery['status']): string {
  switch (status) {
    case 'started':
      return 'chip--ok';
    case 'skipped':
      return '';
    case 'rejected':
      return 'chip--warn';
    case 'failed':
      return 'chip--danger';
    default: {
      const unexpected: never = status;
      return unexpected;
    }
  }
}

/** A trigger's last deliveries, each with its run or its reason and the payload it carried. */
export function Deliveries({ trigger }: { trigger: Trigger }) {
  const deliveries = useQuery({
    queryKey: triggerKeys.deliveries(trigger.key, DELIVERIES_SHOWN),
    queryFn: ({ signal }) => triggersApi.deliveries({ key: trigger.key, limit: DELIVERIES_SHOWN }, signal),
  });
  if (deliveries.isPending) {
    return (
      <div className="deliveries deliveries--loading" aria-busy="true">
        <SkeletonLine width="70%" />
        <SkeletonLine width="55%" />
      </div>
    );
  }
  if (deliveries.isError) {
    return (
      <p className="deliveries__error">
        <span className="field__error">Could not load deliveries: {describeError(deliveries.error)}</span>{' '}
        <button type="button" className="btn btn--ghost btn--small" onClick={() => void deliveries.refetch()} disabled={deliveries.isFetching}>
          Retry
        </button>
      </p>
    );
  }
  const { deliveries: rows, counts } = deliveries.data;
  return (
    <>
      {rows.length === 0 ? <p className="muted deliveries__empty">Not fired yet.</p> : <DeliveryRows triggerKey={trigger.key} rows={rows} />}
      {counts.length > 0 && <Counts counts={counts.slice(0, COUNTS)} />}
    </>
  );
}

/** Refused calls and replays are counted per minute, not listed one by one (a flood stays small). */
function Counts({ counts }: { counts: DeliveryCount[] }) {
  return (
    <ul className="deliveries deliveries--counts" aria-label="Refused calls and replays">
      {counts.map((c) => (
        <li key={`${c.minute} ${c.reason}`} className="deliveries__item" data-status={c.status}>
          <span className={`chip ${deliveryTone(c.status)}`}>{c.status}</span>
          <span className="deliveries__kind">
            {c.count.toLocaleString()} × <span className="mono">{c.reason}</span>
          </span>
          <span className="deliveries__when" title={formatAbsolute(c.minute)}>
            <RelativeTime iso={c.minute} />
          </span>
        </li>
      ))}
    </ul>
  );
}

function DeliveryRows({ triggerKey, rows }: { triggerKey: string; rows: TriggerDelivery[] }) {
  return (
    <ul className="deliveries" aria-label="Last deliveries">
      {rows.map((delivery) => (
        <li key={delivery.id} className="deliveries__item" data-status={delivery.status}>
          <span className={`chip ${deliveryTone(delivery.status)}`}>{delivery.status}</span>
          <span className="deliveries__kind">{DELIVERY_KIND[delivery.kind]}</span>
          <span className="deliveries__when" title={formatAbsolute(delivery.receivedAt)}>
            <RelativeTime iso={delivery.scheduledFor ?? delivery.receivedAt} />
          </span>
          <span className="deliveries__detail">
            {delivery.executionId !== undefined ? (
              <Link to={runPath(delivery.executionId)}>View run</Link>
            ) : delivery.reason !== undefined ? (
              <span className="mono muted" title={delivery.reason}>
                {delivery.reason}
              </span>
            ) : null}
          </span>
          <PayloadToggle triggerKey={triggerKey} delivery={delivery} />
        </li>
      ))}
    </ul>
  );
}

/** Opens what a delivery handed the workflow (a test delivery's too), fetched only when asked. */
function PayloadToggle({ triggerKey, delivery }: { triggerKey: string; delivery: TriggerDelivery }) {
  const [open, setOpen] = useState(false);
  const payload = useQuery({
    queryKey: [...triggerKeys.all, 'payload', triggerKey, delivery.id],
    queryFn: ({ signal }) => triggersApi.deliveryPayload({ key: triggerKey, deliveryId: delivery.id }, signal),
    enabled: open,
    staleTime: Number.POSITIVE_INFINITY,
  });
  // Refused calls never reached a workflow: they have no payload to show.
  if (delivery.executionId === undefined && delivery.reason !== 'test') return null;
  const panelId = `payload-${delivery.id}`;
  return (
    <>
      <button
        type="button"
        className="btn btn--ghost btn--small deliveries__payload-btn"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        {open ? 'Hide payload' : 'Payload'}
      </button>
      {open && (
        <section id={panelId} className="deliveries__payload" aria-label={`Payload of the ${DELIVERY_KIND[delivery.kind].toLowerCase()}`}>
          {payload.isPending ? (
            <SkeletonLine width="60%" />
          ) : payload.isError ? (
            <span className="field__error">{describeError(payload.error)}</span>
          ) : (
            <pre className="mono">{JSON.stringify(payload.data.payload, null, 2)}</pre>
          )}
        </section>
      )}
    </>
  );
}
