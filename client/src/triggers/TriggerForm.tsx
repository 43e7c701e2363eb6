import './trigger-form.css';
import type { WebhookVerify, WorkflowInputs } from '@weft/shared';
import { useId, useMemo, type ReactNode } from 'react';
import { InputsFields } from '../inputs/InputsFields';
import type { InputDraft, InputErrors } from '../inputs/inputs-form';
import { CopyButton } from './CopyButton';
import { describeCron, formatInZone, nextRuns } from './cron';
import { SCHEME_ORDER, SCHEMES } from './signing';
import { SigningHelp } from './SigningHelp';
import {
  newSecret,
  newWebhookPath,
  SENDER_ISSUES_SECRET,
  timezoneOptions,
  webhookUrl,
  withVerify,
  withWebhookSecret,
  type TriggerChoice,
  type TriggerErrors,
  type TriggerForm as TriggerFormValue,
} from './trigger-form';

const CHOICES: { value: TriggerChoice; label: string; hint: string }[] = [
  { value: 'manual', label: 'Manual', hint: 'Started by hand' },
  { value: 'schedule', label: 'Schedule', hint: 'On a cron schedule' },
  { value: 'webhook', label: 'Webhook', hint: 'When a URL is called' },
];

const NEXT_RUNS = 3;

/**
 * How a workflow starts: manual, a cron schedule (read back in words, with the next runs in its
 * timezone) or a webhook (a generated path and secret, the URL to copy). Saving waits until a
 * choice is made; `errors` are shown at their fields.
 */
export function TriggerForm({
  value,
  onChange,
  errors,
  workflowName,
  inputs,
  inputDraft,
  inputErrors,
  onInputsChange,
  // To the minute: fresh enough for "next runs", and stable across renders so the preview is memoised.
  now = Math.floor(Date.now() / 60_000) * 60_000,
}: {
  value: TriggerFormValue;
  onChange: (next: TriggerFormValue) => void;
  errors: TriggerErrors;
  workflowName: string;
  inputs?: WorkflowInputs | undefined;
  inputDraft?: InputDraft;
  inputErrors?: InputErrors;
  onInputsChange?: (next: InputDraft) => void;
  now?: number;
}) {
  const id = useId();
  const set = (patch: Partial<TriggerFormValue>) => onChange({ ...value, ...patch });
  const choose = (type: TriggerChoice) => onChange(type === 'webhook' ? withWebhookSecret({ ...value, type }) : { ...value, type });
  const hasInputs = inputs !== undefined && Object.keys(inputs).length > 0;

  return (
    <div className="trigger-form" data-testid="trigger-form">
      <fieldset className="trigger-form__types">
        <legend className="field__label">
          How it starts
          <span className="field__required" aria-hidden="true">
            *
          </span>
          <span className="visually-hidden">(required)</span>
        </legend>
        <div className="segmented">
          {CHOICES.map((choice) => (
            <label key={choice.value} className={`segmented__option${value.type === choice.value ? ' is-checked' : ''}`}>
              <input type="radio" name={`${id}-type`} value={choice.value} checked={value.type === choice.value} onChange={() => choose(choice.value)} />
              <span className="segmented__label">{choice.label}</span>
              <span className="segmented__hint">{choice.hint}</span>
            </label>
          ))}
        </div>
        {errors.type !== undefined && (
          <p className="field__hint trigger-form__choose" id={`${id}-type-error`}>
            {errors.type}
          </p>
        )}
      </fieldset>

      {value.type === 'manual' && (
        <p className="muted trigger-form__manual">
          Runs only when someone starts it: from its page, from chat, or with <code>POST /api/workflows/:id/run</code>.
        </p>
      )}
      {value.type === 'schedule' && <ScheduleFields value={value} set={set} errors={errors} now={now} />}
      {value.type === 'webhook' && <WebhookFields value={value} set={set} onChange={onChange} errors={errors} workflowName={workflowName} />}

      {(value.type === 'schedule' || value.type === 'webhook') && (
        <>
          <label className="checkbox trigger-form__enabled">
            <input type="checkbox" checked={value.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
            Enabled
            <span className="muted">{value.enabled ? '' : ' — saved paused; turn it on from Schedules & hooks'}</span>
          </label>
          {hasInputs && inputDraft !== undefined && onInputsChange !== undefined && (
            <fieldset className="trigger-form__inputs">
              <legend className="field__label">Inputs for every run</legend>
              <InputsFields inputs={inputs} draft={inputDraft} errors={inputErrors ?? {}} onChange={onInputsChange} />
            </fieldset>
          )}
        </>
      )}
    </div>
  );
}

function FieldError({ id, children }: { id: string; children: ReactNode }) {
  return (
    <span id={id} className="field__error" role="alert">
      {children}
    </span>
  );
}

function ScheduleFields({
  value,
  set,
  errors,
  now,
}: {
  value: TriggerFormValue;
  set: (patch: Partial<TriggerFormValue>) => void;
  errors: TriggerErrors;
  now: number;
}) {
  const id = useId();
  const words = describeCron(value.cron);
  const zones = useMemo(() => timezoneOptions(value.timezone), [value.timezone]);
  const upcoming = useMemo(
    () => (words.ok && errors.timezone === undefined ? nextRuns({ cron: value.cron, timezone: value.timezone, after: new Date(now), count: NEXT_RUNS }) : null),
    [words.ok, value.cron, value.timezone, now, errors.timezone],
  );
  const cronError = errors.cron;

  return (
    <div className="trigger-form__grid">
      <div className="field">
        <label className="field__label" htmlFor={`${id}-cron`}>
          Cron
        </label>
        <input
          id={`${id}-cron`}
          className="input mono"
          value={value.cron}
          placeholder="0 9 * * 1-5"
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => set({ cron: e.target.value })}
          aria-invalid={cronError !== undefined}
          aria-describedby={`${id}-cron-words`}
          data-testid="cron-input"
        />
        <span id={`${id}-cron-words`} aria-live="polite" className="trigger-form__words" data-testid="cron-preview">
          {cronError !== undefined ? (
            <span className="field__error">{cronError}</span>
          ) : words.ok ? (
            <span className="trigger-form__humanized">{words.text}</span>
          ) : null}
        </span>
        <span className="field__hint">minute · hour · day of month · month · day of week</span>
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-tz`}>
          Timezone
        </label>
        <select
          id={`${id}-tz`}
          className="input"
          value={value.timezone}
          onChange={(e) => set({ timezone: e.target.value })}
          aria-invalid={errors.timezone !== undefined}
          aria-describedby={errors.timezone !== undefined ? `${id}-tz-error` : undefined}
        >
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
        {errors.timezone !== undefined && <FieldError id={`${id}-tz-error`}>{errors.timezone}</FieldError>}
      </div>
      <div className="field trigger-form__next" aria-live="polite">
        <span className="field__label">Next runs</span>
        {upcoming !== null && upcoming.length > 0 ? (
          <ol className="next-runs" data-testid="next-runs">
            {upcoming.map((date) => (
              <li key={date.getTime()}>
                <time dateTime={date.toISOString()}>{formatInZone(date, value.timezone)}</time>
              </li>
            ))}
          </ol>
        ) : (
          <span className="field__hint">{words.ok ? 'Shown on Schedules & hooks once saved.' : 'Appear once the cron can be read.'}</span>
        )}
      </div>
    </div>
  );
}

function WebhookFields({
  value,
  set,
  onChange,
  errors,
  workflowName,
}: {
  value: TriggerFormValue;
  set: (patch: Partial<TriggerFormValue>) => void;
  onChange: (next: TriggerFormValue) => void;
  errors: TriggerErrors;
  workflowName: string;
}) {
  const id = useId();
  const url = webhookUrl(value.path);
  const pasted = SENDER_ISSUES_SECRET[value.verify];
  const sender = value.verify === 'stripe' ? 'Stripe' : 'Slack';
  const secretHint =
    errors.secret ??
    (pasted
      ? value.hadSecret
        ? `The saved secret is kept; paste a new one from ${sender} to replace it.`
        : `${sender} issues this secret: paste it here.`
      : value.secret !== ''
        ? 'Copy it now: once saved, it is never shown again (a new one can be made from Schedules & hooks).'
        : value.hadSecret
          ? 'The saved secret is kept and cannot be shown; generate a new one to replace it.'
          : 'One is generated when you save.');
  return (
    <div className="trigger-form__webhook">
      <div className="field">
        <label className="field__label" htmlFor={`${id}-path`}>
          Path
        </label>
        <div className="input-group">
          <span className="input-group__prefix mono">/hooks/</span>
          <input
            id={`${id}-path`}
            className="input mono"
            value={value.path}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => set({ path: e.target.value.trim() })}
            aria-invalid={errors.path !== undefined}
            aria-describedby={errors.path !== undefined ? `${id}-path-error` : undefined}
          />
          <button type="button" className="btn btn--small btn--ghost" onClick={() => set({ path: newWebhookPath(workflowName) })}>
            New path
          </button>
        </div>
        {errors.path !== undefined && <FieldError id={`${id}-path-error`}>{errors.path}</FieldError>}
      </div>
      <div className="field">
        <span className="field__label">URL</span>
        <div className="copy-row">
          <code className="copy-row__text" data-testid="webhook-url">
            {url}
          </code>
          <CopyButton text={url} label="Copy URL" className="btn btn--small copy-btn" />
        </div>
        <span className="field__hint">
          <code>POST</code> JSON or a form to it; the body reaches the workflow as <code>trigger.body</code>.
        </span>
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-verify`}>
          Signature
        </label>
        <select
          id={`${id}-verify`}
          className="input"
          value={value.verify}
          onChange={(e) => onChange(withVerify(value, e.target.value as WebhookVerify))}
          aria-invalid={errors.verify !== undefined}
          aria-describedby={`${id}-verify-hint`}
        >
          {SCHEME_ORDER.map((scheme) => (
            <option key={scheme} value={scheme}>
              {SCHEMES[scheme].label}
            </option>
          ))}
        </select>
        <span
          id={`${id}-verify-hint`}
          className={errors.verify !== undefined ? 'field__error' : 'field__hint'}
          role={errors.verify !== undefined ? 'alert' : undefined}
        >
          {errors.verify ?? SCHEMES[value.verify].hint}
        </span>
      </div>
      {value.verify !== 'none' && (
        <div className="field">
          <label className="field__label" htmlFor={`${id}-secret`}>
            Signing secret
          </label>
          <div className="input-group">
            <input
              id={`${id}-secret`}
              className="input mono"
              value={value.secret}
              spellCheck={false}
              autoComplete="off"
              placeholder={pasted ? `Signing secret from ${sender}` : value.hadSecret ? 'Saved secret kept' : 'Generated when you save'}
              onChange={(e) => set({ secret: e.target.value, secretGenerated: false })}
              aria-invalid={errors.secret !== undefined}
              aria-describedby={`${id}-secret-hint`}
            />
            {!pasted && (
              <button type="button" className="btn btn--small btn--ghost" onClick={() => set({ secret: newSecret(), secretGenerated: true })}>
                Generate
              </button>
            )}
            {value.secret !== '' && <CopyButton text={value.secret} className="btn btn--small copy-btn" />}
          </div>
          <span
            id={`${id}-secret-hint`}
            className={errors.secret !== undefined ? 'field__error' : 'field__hint'}
            role={errors.secret !== undefined ? 'alert' : undefined}
          >
            {secretHint}
          </span>
        </div>
      )}
      <div className="field">
        <span className="field__label">How to call it</span>
        <SigningHelp verify={value.verify} url={url} path={value.path} secret={value.secret !== '' ? value.secret : undefined} />
      </div>
    </div>
  );
}
