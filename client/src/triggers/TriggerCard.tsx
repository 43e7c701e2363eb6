import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Trigger, TriggerDelivery } from '@weft/shared';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { triggerKeys, triggersApi, upsertBodyOf } from '../api/triggers';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ClockIcon } from '../components/icons';
import { describeError } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonLine } from '../components/Skeleton';
import { formatAbsolute } from '../lib/time';
import { CopyButton } from './CopyButton';
import { formatInZone } from './cron';
import { scheduleWords, WebhookIcon } from './TriggerBadge';
import { newSecret, webhookUrl } from './trigger-form';

const DELIVERIES = 5;

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

function Deliveries({ trigger }: { trigger: Trigger }) {
  const deliveries = useQuery({
    queryKey: triggerKeys.deliveries(trigger.key, DELIVERIES),
    queryFn: ({ signal }) => triggersApi.deliveries({ key: trigger.key, limit: DELIVERIES }, signal).then((page) => page.deliveries),
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
  if (deliveries.data.length === 0) return <p className="muted deliveries__empty">Not fired yet.</p>;
  return (
    <ul className="deliveries" aria-label="Last deliveries">
      {deliveries.data.map((delivery) => (
        <li key={delivery.id} className="deliveries__item" data-status={delivery.status}>
          <span className={`chip ${deliveryTone(delivery.status)}`}>{delivery.status}</span>
          <span className="deliveries__kind">{DELIVERY_KIND[delivery.kind]}</span>
          <span className="deliveries__when" title={formatAbsolute(delivery.receivedAt)}>
            <RelativeTime iso={delivery.scheduledFor ?? delivery.receivedAt} />
          </span>
          <span className="deliveries__detail">
            {delivery.executionId !== undefined ? (
              <Link to={`/automation/executions/${encodeURIComponent(delivery.executionId)}`}>View run</Link>
            ) : delivery.reason !== undefined ? (
              <span className="mono muted" title={delivery.reason}>
                {delivery.reason}
              </span>
            ) : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * One trigger: what fires it (the schedule in words with its zone and next run, or the hook's
 * URL), the workflow it starts, its last deliveries, and a switch. A paused trigger stays in
 * place, greyed.
 */
export function TriggerCard({ trigger, workflowName }: { trigger: Trigger; workflowName: string | null }) {
  const queryClient = useQueryClient();
  const switchId = useId();
  const secretId = useId();
  const [askSecret, setAskSecret] = useState(false);
  const [secret, setSecret] = useState('');

  const toggle = useMutation({
    mutationFn: (newSecretValue?: string) => {
      const body = upsertBodyOf(trigger, { enabled: !trigger.enabled });
      if (newSecretValue !== undefined && body.webhook !== undefined) body.webhook = { ...body.webhook, secret: newSecretValue };
      return triggersApi.put({ key: trigger.key, body });
    },
    onSuccess: (saved) => {
      // The saved trigger is the new state; the live topic brings anything else.
      queryClient.setQueryData<Trigger[]>(triggerKeys.list(), (list) => list?.map((t) => (t.key === saved.key ? saved : t)));
      setAskSecret(false);
    },
  });

  const runNow = useMutation({
    mutationFn: () => triggersApi.runNow(trigger.key),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: triggerKeys.deliveries(trigger.key, DELIVERIES) }),
  });

  // The secret is never returned, and a PUT without one removes it: ask for it again.
  const signed = trigger.type === 'webhook' && trigger.webhook?.hasSecret === true;
  const onToggle = () => {
    if (signed) {
      setSecret(newSecret());
      setAskSecret(true);
    } else toggle.mutate(undefined);
  };

  const url = trigger.webhook ? (trigger.webhook.url.startsWith('http') ? trigger.webhook.url : webhookUrl(trigger.webhook.path)) : '';
  const workflowLink = `/automation/workflows/${encodeURIComponent(trigger.workflowId)}`;

  return (
    <article
      className={`card trigger-item${trigger.enabled ? '' : ' is-disabled'}`}
      data-trigger-key={trigger.key}
      data-testid="trigger-card"
      aria-labelledby={`${switchId}-title`}
    >
      <header className="trigger-item__head">
        <span className={`trigger-item__type trigger-item__type--${trigger.type}`}>
          {trigger.type === 'schedule' ? <ClockIcon /> : <WebhookIcon />}
          {trigger.type === 'schedule' ? 'Schedule' : 'Webhook'}
        </span>
        <h2 id={`${switchId}-title`} className="trigger-item__title">
          <Link to={workflowLink}>{workflowName ?? trigger.workflowId}</Link>
        </h2>
        <label className="switch" htmlFor={switchId}>
          <input
            id={switchId}
            type="checkbox"
            role="switch"
            checked={trigger.enabled}
            onChange={onToggle}
            disabled={toggle.isPending}
            aria-describedby={toggle.isError && !askSecret ? `${switchId}-error` : undefined}
          />
          <span className="switch__track" aria-hidden="true" />
          <span className="switch__label">{toggle.isPending ? 'Saving…' : trigger.enabled ? 'On' : 'Off'}</span>
        </label>
      </header>

      <div className="trigger-item__body">
        {trigger.type === 'schedule' && trigger.schedule !== undefined ? (
          <div className="trigger-item__what">
            <p className="trigger-item__words" data-testid="trigger-words">
              {scheduleWords(trigger)}
            </p>
            <p className="trigger-item__sub">
              <span>{trigger.schedule.timezone.replaceAll('_', ' ')}</span>
              <code>{trigger.schedule.cron}</code>
            </p>
            <p className="trigger-item__next">
              {trigger.nextRunAt !== null ? (
                <>
                  Next run{' '}
                  <strong>
                    <time dateTime={trigger.nextRunAt}>{formatInZone(new Date(trigger.nextRunAt), trigger.schedule.timezone)}</time>
                  </strong>{' '}
                  <span className="muted">
                    (<RelativeTime iso={trigger.nextRunAt} />)
                  </span>
                </>
              ) : (
                <span className="muted">{trigger.enabled ? 'No upcoming run' : 'Paused: no upcoming run'}</span>
              )}
            </p>
          </div>
        ) : trigger.webhook !== undefined ? (
          <div className="trigger-item__what">
            <div className="copy-row">
              <code className="copy-row__text" data-testid="trigger-url">
                <span className="muted">POST</span> {url}
              </code>
              <CopyButton text={url} label="Copy URL" className="btn btn--small copy-btn" />
            </div>
            <p className="trigger-item__sub">
              <span className={trigger.webhook.hasSecret ? 'chip chip--ok' : 'chip'}>{trigger.webhook.hasSecret ? 'Signed (HMAC-SHA256)' : 'Unsigned'}</span>
              <span>{trigger.webhook.rateLimitPerMinute} calls a minute at most</span>
            </p>
          </div>
        ) : (
          <p className="muted">{trigger.description}</p>
        )}
        {toggle.isError && !askSecret && (
          <p id={`${switchId}-error`} className="field__error" role="alert">
            Could not {trigger.enabled ? 'turn it off' : 'turn it on'}: {describeError(toggle.error)}
          </p>
        )}
        <div className="trigger-item__deliveries">
          <div className="trigger-item__deliveries-head">
            <h3>Last deliveries</h3>
            {runNow.isSuccess ? (
              <Link to={`/automation/executions/${encodeURIComponent(runNow.data.executionId)}`} className="trigger-item__started">
                Started: view run
              </Link>
            ) : runNow.isError ? (
              <span className="field__error" role="alert">
                {describeError(runNow.error)}
              </span>
            ) : null}
            <button type="button" className="btn btn--ghost btn--small" onClick={() => runNow.mutate()} disabled={runNow.isPending}>
              {runNow.isPending ? 'Starting…' : 'Run now'}
            </button>
          </div>
          <Deliveries trigger={trigger} />
        </div>
      </div>

      <ConfirmDialog
        open={askSecret}
        title={trigger.enabled ? 'Turn off this signed webhook?' : 'Turn on this signed webhook?'}
        confirmLabel={trigger.enabled ? 'Turn off' : 'Turn on'}
        busy={toggle.isPending}
        error={toggle.isError ? describeError(toggle.error) : undefined}
        onCancel={() => {
          setAskSecret(false);
          toggle.reset();
        }}
        onConfirm={() => secret.length >= 8 && toggle.mutate(secret)}
      >
        <p>The server never returns a webhook&rsquo;s secret, so saving this change sets it again. Enter the current secret, or keep this new one and give it to the callers.</p>
        <div className="field" style={{ marginTop: 10 }}>
          <label className="field__label" htmlFor={secretId}>
            Signing secret
          </label>
          <div className="input-group">
            <input id={secretId} className="input mono" value={secret} onChange={(e) => setSecret(e.target.value)} aria-invalid={secret.length < 8} />
            <CopyButton text={secret} className="btn btn--small copy-btn" />
          </div>
          {secret.length < 8 && <span className="field__error">At least 8 characters</span>}
        </div>
      </ConfirmDialog>
    </article>
  );
}
