import { z } from 'zod';
import { NotificationLevel } from '../api/notifications';
import { HTTP_URL_PATTERN, NonEmptyTemplate, TemplateSource, requiredOr, stepCommonShape } from './common';
import { excerpt } from './text';
import { INTEGRATION_NAME_PATTERN } from './tool';
import type { StepCatalogueEntry } from './types';

/** `<integration>:<channel>` (`slack:#ops`): a messaging integration and the channel it posts to. */
export const INTEGRATION_CHANNEL_PATTERN = new RegExp(`^(${INTEGRATION_NAME_PATTERN.source.slice(1, -1)}):([#@]?[A-Za-z0-9._-]{1,80})$`);

const CHANNEL_HINT = 'must be "session", "<integration>:<channel>" (like "slack:#ops") or { "webhookUrl": "https://..." }';

export const NotifyChannel = z.union(
  [
    z.literal('session'),
    z.string().regex(INTEGRATION_CHANNEL_PATTERN, { error: CHANNEL_HINT }),
    z.strictObject({ webhookUrl: z.string().regex(HTTP_URL_PATTERN, { error: 'must be an http(s) URL' }) }),
  ],
  { error: requiredOr(CHANNEL_HINT) },
);
export type NotifyChannel = z.infer<typeof NotifyChannel>;

export const NotifyStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('notify'),
  message: NonEmptyTemplate,
  /** The inbox row's title (a template); defaults to the workflow's name. */
  title: TemplateSource.optional(),
  level: NotificationLevel.optional(),
  /**
   * Defaults to `"session"`: the run's chat session when it has one, otherwise the Notifications
   * inbox. `"slack:#ops"` posts through that integration (its credentials stay on the server).
   */
  channel: NotifyChannel.optional(),
});
export type NotifyStep = z.infer<typeof NotifyStep>;

/** Where a notify step's message went, as the server (or the webhook) confirmed it. */
export const NotifyDestination = z.union([z.literal('session'), z.literal('inbox'), z.literal('webhook'), z.string().regex(INTEGRATION_CHANNEL_PATTERN)]);
export type NotifyDestination = z.infer<typeof NotifyDestination>;

export const NotifyOutput = z.object({ delivered: z.array(NotifyDestination).min(1) });
export type NotifyOutput = z.infer<typeof NotifyOutput>;

export const notifyEntry: StepCatalogueEntry<'notify'> = {
  type: 'notify',
  title: 'Notify',
  description:
    'Tells a person: posts a message (a template) to the chat session that started the run, or, for a run without one, to the Notifications inbox. ' +
    '`channel: "slack:#ops"` posts through that Slack integration instead; `channel: { "webhookUrl": ... }` to a webhook. ' +
    'Output `delivered` says where it went (`["session"]`, `["inbox"]`, `["slack:#ops"]`, `["webhook"]`).',
  configSchema: NotifyStep,
  outputSchema: NotifyOutput,
  example: { id: 'announce', type: 'notify', message: 'Deployed {{ inputs.version }} to {{ inputs.region }}' },
  defaultTimeoutSeconds: 30,
  keyParam: (step) => excerpt(step.message),
  expressionSites: (step) => [
    { path: ['message'], kind: 'template', source: step.message },
    ...(step.title !== undefined ? [{ path: ['title'], kind: 'template' as const, source: step.title }] : []),
  ],
};

/** The channel a notify step posts to once defaults are applied. */
export function effectiveNotifyChannel(step: NotifyStep): NotifyChannel {
  return step.channel ?? 'session';
}

/** `slack:#ops` -> `{ integration: "slack", channel: "#ops" }`; null for anything else. */
export function parseIntegrationChannel(channel: string): { integration: string; channel: string } | null {
  const m = INTEGRATION_CHANNEL_PATTERN.exec(channel);
  return m ? { integration: m[1]!, channel: m[2]! } : null;
}
