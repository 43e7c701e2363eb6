import {
  isKnownTimezone,
  WebhookPath,
  type DraftTrigger,
  type ScheduleConfig,
  type Trigger,
  type WebhookVerify,
  type WorkflowTriggerRequest,
} from '@weft/shared';
import { describeCron } from './cron';

/**
 * How a workflow starts, as the form edits it. Every type's fields are kept while another is
 * chosen, so switching back loses nothing. `type: null` means nobody has chosen yet: Save waits.
 */
export type TriggerChoice = 'manual' | 'schedule' | 'webhook';
export type TriggerForm = {
  type: TriggerChoice | null;
  /** Kept across saves, so saving again updates the same trigger. */
  key: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  path: string;
  /** How callers prove who they are (see `SCHEMES`). */
  verify: WebhookVerify;
  /** A new secret to save; empty keeps the saved one (or, with none saved, lets the server generate one). */
  secret: string;
  /** `secret` was generated here rather than typed or pasted: choosing Stripe or Slack clears it. */
  secretGenerated: boolean;
  /** The saved webhook has a secret we cannot read back; an empty `secret` keeps it. */
  hadSecret: boolean;
  /** Settings of the saved trigger this form does not edit: saving sends them back unchanged. */
  kept: {
    schedule?: Pick<ScheduleConfig, 'catchUp' | 'catchUpWindowSeconds' | 'overlap'>;
    webhook?: { rateLimitPerMinute: number; allowBrowser: boolean; respondWithOutput: boolean };
  };
};
export type TriggerField = 'type' | 'cron' | 'timezone' | 'path' | 'verify' | 'secret';

/** Schemes whose secret the sender issues (paste it in); the others take one generated here. */
export const SENDER_ISSUES_SECRET: { readonly [K in WebhookVerify]: boolean } = { weft: false, github: false, stripe: true, slack: true, none: false };
export type TriggerErrors = Partial<Record<TriggerField, string>>;

export function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function slugOf(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'workflow'
  );
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomToken(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** 32 random bytes as base64url: the same shape as the server's generated secrets. */
function randomSecret(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return `whsec_${btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')}`;
}

/** `wf-<slug>-<random>`: a valid trigger key (and journal topic id). */
export const newTriggerKey = (name: string) => `wf-${slugOf(name)}-${randomToken(6)}`;
export const newWebhookPath = (name: string) => `${slugOf(name)}-${randomToken(8)}`;
export const newSecret = () => randomSecret();

export function webhookUrl(path: string, origin: string = window.location.origin): string {
  return `${origin}/hooks/${path}`;
}

/** An empty form: nothing chosen, schedule fields ready in the browser's timezone. */
export function emptyTriggerForm(name: string): TriggerForm {
  return {
    type: null,
    key: newTriggerKey(name),
    enabled: true,
    cron: '',
    timezone: browserTimezone(),
    path: newWebhookPath(name),
    verify: 'weft',
    secret: '',
    secretGenerated: false,
    hadSecret: false,
    kept: {},
  };
}

/** Choosing a webhook: a scheme that takes our secret gets a fresh one to copy, unless one is saved or typed. */
export function withWebhookSecret(form: TriggerForm): TriggerForm {
  if (form.verify === 'none' || SENDER_ISSUES_SECRET[form.verify] || form.hadSecret || form.secret !== '') return form;
  return { ...form, secret: newSecret(), secretGenerated: true };
}

/** Another scheme: a generated secret is no use for a sender that issues its own. */
export function withVerify(form: TriggerForm, verify: WebhookVerify): TriggerForm {
  const next = { ...form, verify };
  if ((verify === 'none' || SENDER_ISSUES_SECRET[verify]) && form.secretGenerated) return { ...next, secret: '', secretGenerated: false };
  return withWebhookSecret(next);
}

/** Applies a draft's suggested trigger (`{ type: 'schedule', schedule: { cron, timezone? } }`, webhook, manual). */
export function withSuggestion(form: TriggerForm, suggestion: DraftTrigger | undefined): TriggerForm {
  if (suggestion === undefined) return form;
  switch (suggestion.type) {
    case 'schedule':
      return { ...form, type: 'schedule', cron: suggestion.schedule.cron, timezone: suggestion.schedule.timezone ?? form.timezone };
    case 'webhook':
      return withWebhookSecret({ ...form, type: 'webhook' });
    case 'manual':
      return { ...form, type: 'manual' };
    default: {
      const unexpected: never = suggestion;
      return unexpected;
    }
  }
}

/** The form for a saved trigger; `null` (no trigger) is a manual workflow. */
export function formFromTrigger(trigger: Trigger | null, name: string): TriggerForm {
  const empty = emptyTriggerForm(name);
  if (trigger === null) return { ...empty, type: 'manual' };
  return {
    ...empty,
    type: trigger.type,
    key: trigger.key,
    enabled: trigger.enabled,
    cron: trigger.schedule?.cron ?? '',
    timezone: trigger.schedule?.timezone ?? empty.timezone,
    path: trigger.webhook?.path ?? empty.path,
    verify: trigger.webhook?.verify ?? empty.verify,
    hadSecret: trigger.webhook?.hasSecret ?? false,
    kept: {
      ...(trigger.schedule
        ? { schedule: { catchUp: trigger.schedule.catchUp, catchUpWindowSeconds: trigger.schedule.catchUpWindowSeconds, overlap: trigger.schedule.overlap } }
        : {}),
      ...(trigger.webhook
        ? {
            webhook: {
              rateLimitPerMinute: trigger.webhook.rateLimitPerMinute,
              allowBrowser: trigger.webhook.allowBrowser,
              respondWithOutput: trigger.webhook.respondWithOutput,
            },
          }
        : {}),
    },
  };
}

/** What keeps the form from being saved, by field; `{}` when it can be. */
export function triggerErrors(form: TriggerForm): TriggerErrors {
  switch (form.type) {
    case null:
      return { type: 'Choose how this workflow starts' };
    case 'manual':
      return {};
    case 'schedule': {
      const errors: TriggerErrors = {};
      const words = describeCron(form.cron);
      if (!words.ok) errors.cron = words.message;
      if (!isKnownTimezone(form.timezone)) errors.timezone = 'Unknown timezone';
      return errors;
    }
    case 'webhook': {
      const errors: TriggerErrors = {};
      const path = WebhookPath.safeParse(form.path);
      if (!path.success) errors.path = form.path === '' ? 'Enter a path' : `The path ${path.error.issues[0]?.message ?? 'is not valid'}`;
      if (form.verify === 'none') return errors;
      if (form.secret === '' && !form.hadSecret && SENDER_ISSUES_SECRET[form.verify])
        errors.secret = `Paste the signing secret ${form.verify === 'stripe' ? 'Stripe' : 'Slack'} shows for this endpoint`;
      else if (form.secret !== '' && (form.secret.length < 8 || form.secret.length > 500)) errors.secret = 'A secret is 8 to 500 characters';
      return errors;
    }
    default: {
      const unexpected: never = form.type;
      return unexpected;
    }
  }
}

/** The `trigger` of `POST/PUT /api/workflows`; `undefined` for a manual workflow. */
export function triggerRequest(form: TriggerForm, inputs?: Record<string, unknown>): WorkflowTriggerRequest | undefined {
  const base = { key: form.key, enabled: form.enabled, ...(inputs !== undefined && Object.keys(inputs).length > 0 ? { inputs } : {}) };
  switch (form.type) {
    case null:
    case 'manual':
      return undefined;
    case 'schedule':
      return { ...base, type: 'schedule', schedule: { ...form.kept.schedule, cron: form.cron.trim(), timezone: form.timezone } } as WorkflowTriggerRequest;
    case 'webhook': {
      // An omitted secret keeps the saved one (or has the server generate one).
      const secret = form.verify !== 'none' && form.secret !== '' ? { secret: form.secret } : {};
      return { ...base, type: 'webhook', webhook: { ...form.kept.webhook, path: form.path, verify: form.verify, ...secret } } as WorkflowTriggerRequest;
    }
    default: {
      const unexpected: never = form.type;
      return unexpected;
    }
  }
}

/** Server issues named `trigger.<field>` as the form's field errors. */
export function triggerErrorsFrom(issues: readonly { path: string; message: string }[]): TriggerErrors {
  const errors: TriggerErrors = {};
  const fields: [RegExp, TriggerField][] = [
    [/^trigger\.schedule\.cron/, 'cron'],
    [/^trigger\.schedule\.timezone/, 'timezone'],
    [/^trigger\.webhook\.path/, 'path'],
    [/^trigger\.webhook\.verify/, 'verify'],
    [/^trigger\.webhook\.secret/, 'secret'],
    [/^trigger(\.type)?$/, 'type'],
  ];
  for (const issue of issues) {
    const field = fields.find(([pattern]) => pattern.test(issue.path))?.[1];
    if (field !== undefined) errors[field] ??= issue.message;
  }
  return errors;
}

/** Every IANA zone the browser knows, with the current one and UTC always present. */
export function timezoneOptions(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  const all = new Set([...zones, 'UTC', browserTimezone(), ...(current ? [current] : [])]);
  return [...all].sort((a, b) => a.localeCompare(b));
}
