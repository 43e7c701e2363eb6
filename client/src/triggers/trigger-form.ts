import { isKnownTimezone, WebhookPath, type DraftTrigger, type ScheduleConfig, type Trigger, type WorkflowTriggerRequest } from '@weft/shared';
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
  secret: string;
  /** The saved webhook has a secret we cannot read back: saving a change replaces it. */
  hadSecret: boolean;
  /** Settings of the saved trigger this form does not edit: saving sends them back unchanged. */
  kept: { schedule?: Pick<ScheduleConfig, 'catchUp' | 'catchUpWindowSeconds' | 'overlap'>; rateLimitPerMinute?: number };
};
export type TriggerField = 'type' | 'cron' | 'timezone' | 'path' | 'secret';
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

/** `wf-<slug>-<random>`: a valid trigger key (and journal topic id). */
export const newTriggerKey = (name: string) => `wf-${slugOf(name)}-${randomToken(6)}`;
export const newWebhookPath = (name: string) => `${slugOf(name)}-${randomToken(8)}`;
export const newSecret = () => randomToken(32);

export function webhookUrl(path: string, origin: string = window.location.origin): string {
  return `${origin}/hooks/${path}`;
}

/** An empty form: nothing chosen, schedule fields ready in the browser's timezone. */
export function emptyTriggerForm(name: string): TriggerForm {
  return { type: null, key: newTriggerKey(name), enabled: true, cron: '', timezone: browserTimezone(), path: newWebhookPath(name), secret: '', hadSecret: false, kept: {} };
}

/** Applies a draft's suggested trigger (`{ type: 'schedule', schedule: { cron, timezone? } }`, webhook, manual). */
export function withSuggestion(form: TriggerForm, suggestion: DraftTrigger | undefined): TriggerForm {
  if (suggestion === undefined) return form;
  switch (suggestion.type) {
    case 'schedule':
      return { ...form, type: 'schedule', cron: suggestion.schedule.cron, timezone: suggestion.schedule.timezone ?? form.timezone };
    case 'webhook':
      return { ...form, type: 'webhook', secret: form.secret === '' ? newSecret() : form.secret };
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
    hadSecret: trigger.webhook?.hasSecret ?? false,
    kept: {
      ...(trigger.schedule ? { schedule: { catchUp: trigger.schedule.catchUp, catchUpWindowSeconds: trigger.schedule.catchUpWindowSeconds, overlap: trigger.schedule.overlap } } : {}),
      ...(trigger.webhook ? { rateLimitPerMinute: trigger.webhook.rateLimitPerMinute } : {}),
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
      if (form.secret !== '' && (form.secret.length < 8 || form.secret.length > 500)) errors.secret = 'A secret is 8 to 500 characters (or leave it empty for an unsigned hook)';
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
      const rateLimit = form.kept.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: form.kept.rateLimitPerMinute };
      return { ...base, type: 'webhook', webhook: { path: form.path, ...(form.secret !== '' ? { secret: form.secret } : {}), ...rateLimit } } as WorkflowTriggerRequest;
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
