import './trigger-form.css';
import './triggers.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Trigger } from '@weft/shared';
import { useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { triggerKeys, triggersApi, upsertBodyOf } from '../api/triggers';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ClockIcon } from '../components/icons';
import { describeError } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { CopyButton } from './CopyButton';
import { formatInZone } from './cron';
import { SCHEMES } from './signing';
import { SigningHelp } from './SigningHelp';
import { Deliveries, DELIVERIES_SHOWN } from './TriggerDeliveries';
import { scheduleWords, WebhookIcon } from './TriggerBadge';
import { SENDER_ISSUES_SECRET, webhookUrl } from './trigger-form';
import { useGate } from '../auth/Gate';
import { runPath } from '../lib/paths';

function withoutSecret(webhook: NonNullable<Trigger['webhook']>): NonNullable<Trigger['webhook']> {
  const { secret: _shownOnce, ...rest } = webhook;
  return rest;
}

/**
 * One trigger: what fires it (the schedule in words with its zone and next run, or the hook's
 * URL), the workflow it starts, its last deliveries, and a switch. A paused trigger stays in
 * place, greyed.
 */
export function TriggerCard({ trigger, workflowName, actions }: { trigger: Trigger; workflowName: string | null; actions?: ReactNode }) {
  const queryClient = useQueryClient();
  const switchId = useId();
  const secretId = useId();
  const [askSecret, setAskSecret] = useState(false);
  const [pasted, setPasted] = useState('');
  /** A secret the server just generated: on screen until dismissed, never fetched again. */
  const [revealed, setRevealed] = useState<string | null>(null);

  // The saved trigger is the new state; the live topic brings anything else. A secret shown once
  // stays in this card's state only, never in the shared cache.
  const save = (saved: Trigger) => {
    const { webhook, ...rest } = saved;
    const kept: Trigger = webhook === undefined ? rest : { ...rest, webhook: withoutSecret(webhook) };
    queryClient.setQueryData<Trigger[]>(triggerKeys.list(), (list) => list?.map((t) => (t.key === saved.key ? kept : t)));
  };

  // An omitted secret is kept, so switching needs nothing but the switch.
  const toggle = useMutation({
    mutationFn: () => triggersApi.put({ key: trigger.key, body: upsertBodyOf(trigger, { enabled: !trigger.enabled }) }),
    onSuccess: save,
  });

  const hook = trigger.type === 'webhook' ? trigger.webhook : undefined;
  const senderIssues = hook !== undefined && SENDER_ISSUES_SECRET[hook.verify];
  const replaceSecret = useMutation({
    mutationFn: () => triggersApi.put({ key: trigger.key, body: upsertBodyOf(trigger, senderIssues ? { secret: pasted } : { regenerateSecret: true }) }),
    onSuccess: (saved) => {
      save(saved);
      setAskSecret(false);
      setPasted('');
      if (saved.webhook?.secret !== undefined) setRevealed(saved.webhook.secret);
    },
  });

  const runGate = useGate('run');
  const runNow = useMutation({
    mutationFn: () => triggersApi.runNow(trigger.key),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: triggerKeys.deliveries(trigger.key, DELIVERIES_SHOWN) }),
  });

  const url = hook ? (hook.url.startsWith('http') ? hook.url : webhookUrl(hook.path)) : '';
  const workflowLink = `/automation/workflows/${encodeURIComponent(trigger.workflowId)}`;
  const sender = hook?.verify === 'stripe' ? 'Stripe' : 'Slack';

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
            // biome-ignore lint/a11y/useAriaPropsForRole: a native checkbox reports its own checked state; ARIA in HTML says not to add aria-checked to it.
            role="switch"
            checked={trigger.enabled}
            onChange={() => toggle.mutate()}
            disabled={toggle.isPending}
            aria-describedby={toggle.isError ? `${switchId}-error` : undefined}
          />
          <span className="switch__track" aria-hidden="true" />
          <span className="switch__label">{toggle.isPending ? 'Saving…' : trigger.enabled ? 'On' : 'Off'}</span>
        </label>
        {actions !== undefined && <div className="trigger-item__actions">{actions}</div>}
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
        ) : hook !== undefined ? (
          <div className="trigger-item__what">
            <div className="copy-row">
              <code className="copy-row__text" data-testid="trigger-url">
                <span className="muted">POST</span> {url}
              </code>
              <CopyButton text={url} label="Copy URL" className="btn btn--small copy-btn" />
            </div>
            <p className="trigger-item__sub">
              <span className={hook.verify === 'none' ? 'chip chip--warn' : 'chip chip--ok'} data-testid="trigger-scheme">
                {hook.verify === 'none' ? 'Unsigned' : `Signed: ${SCHEMES[hook.verify].label}`}
              </span>
              {hook.verify !== 'none' && <span>{hook.hasSecret ? 'secret set' : 'no secret'}</span>}
              <span>{hook.rateLimitPerMinute} calls a minute at most</span>
              {hook.allowBrowser && <span>browsers allowed</span>}
            </p>
            {revealed !== null && (
              <div className="alert alert--warn trigger-item__secret" role="status">
                <div className="alert__body">
                  <strong>New signing secret.</strong> Copy it now: it is not shown again.
                  <div className="copy-row" style={{ marginTop: 6 }}>
                    <code className="copy-row__text" data-testid="revealed-secret">
                      {revealed}
                    </code>
                    <CopyButton text={revealed} className="btn btn--small copy-btn" />
                    <button type="button" className="btn btn--small btn--ghost" onClick={() => setRevealed(null)}>
                      Done
                    </button>
                  </div>
                </div>
              </div>
            )}
            <details className="trigger-item__how">
              <summary>How to call it</summary>
              <SigningHelp verify={hook.verify} url={url} path={hook.path} secret={revealed ?? undefined} />
              {hook.verify !== 'none' && (
                <button type="button" className="btn btn--small btn--ghost" onClick={() => setAskSecret(true)}>
                  {senderIssues ? 'Replace secret' : 'New secret'}
                </button>
              )}
            </details>
          </div>
        ) : (
          <p className="muted">{trigger.description}</p>
        )}
        {toggle.isError && (
          <p id={`${switchId}-error`} className="field__error" role="alert">
            Could not {trigger.enabled ? 'turn it off' : 'turn it on'}: {describeError(toggle.error)}
          </p>
        )}
        <div className="trigger-item__deliveries">
          <div className="trigger-item__deliveries-head">
            <h3>Last deliveries</h3>
            {runNow.isSuccess ? (
              <Link to={runPath(runNow.data.executionId)} className="trigger-item__started">
                Started: view run
              </Link>
            ) : runNow.isError ? (
              <span className="field__error" role="alert">
                {describeError(runNow.error)}
              </span>
            ) : null}
            <button type="button" className="btn btn--ghost btn--small" onClick={() => runNow.mutate()} disabled={runNow.isPending} {...runGate.props}>
              {runNow.isPending ? 'Starting…' : 'Run now'}
            </button>
            {runGate.hint}
          </div>
          <Deliveries trigger={trigger} />
        </div>
      </div>

      <ConfirmDialog
        open={askSecret}
        title={senderIssues ? `Replace the ${sender} signing secret?` : 'Make a new signing secret?'}
        confirmLabel={senderIssues ? 'Replace' : 'Make new secret'}
        busy={replaceSecret.isPending}
        error={replaceSecret.isError ? describeError(replaceSecret.error) : undefined}
        onCancel={() => {
          setAskSecret(false);
          replaceSecret.reset();
        }}
        onConfirm={() => (!senderIssues || pasted.length >= 8) && replaceSecret.mutate()}
      >
        {senderIssues ? (
          <>
            <p>Paste the signing secret {sender} shows for this endpoint. Calls signed with the old one are refused from then on.</p>
            <div className="field" style={{ marginTop: 10 }}>
              <label className="field__label" htmlFor={secretId}>
                Signing secret
              </label>
              <input
                id={secretId}
                className="input mono"
                value={pasted}
                onChange={(e) => setPasted(e.target.value)}
                aria-invalid={pasted.length < 8}
                autoComplete="off"
              />
              {pasted.length < 8 && <span className="field__error">At least 8 characters</span>}
            </div>
          </>
        ) : (
          <p>The server makes a new secret and shows it once. Callers signing with the current one are refused until they use the new one.</p>
        )}
      </ConfirmDialog>
    </article>
  );
}
