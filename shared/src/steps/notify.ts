import { z } from 'zod';
import { HTTP_URL_PATTERN, NonEmptyTemplate, requiredOr, stepCommonShape } from './common';
import { excerpt } from './text';
import type { StepCatalogueEntry } from './types';

export const NotifyChannel = z.union(
  [z.literal('session'), z.strictObject({ webhookUrl: z.string().regex(HTTP_URL_PATTERN, { error: 'must be an http(s) URL' }) })],
  { error: requiredOr('must be "session" or { "webhookUrl": "https://..." }') },
);
export type NotifyChannel = z.infer<typeof NotifyChannel>;

export const NotifyStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('notify'),
  message: NonEmptyTemplate,
  /** Defaults to `"session"`: the chat session that started the run. */
  channel: NotifyChannel.optional(),
});
export type NotifyStep = z.infer<typeof NotifyStep>;

export const NotifyOutput = z.object({ delivered: z.boolean(), channel: z.string() });
export type NotifyOutput = z.infer<typeof NotifyOutput>;

export const notifyEntry: StepCatalogueEntry<'notify'> = {
  type: 'notify',
  title: 'Notify',
  description: 'Posts a message (a template) to the chat session that started the run, or to a webhook URL given as `channel: { "webhookUrl": ... }`.',
  configSchema: NotifyStep,
  outputSchema: NotifyOutput,
  example: { id: 'announce', type: 'notify', message: 'Deployed {{ inputs.version }} to {{ inputs.region }}' },
  defaultTimeoutSeconds: 30,
  keyParam: (step) => excerpt(step.message),
  expressionSites: (step) => [{ path: ['message'], kind: 'template', source: step.message }],
};

/** The channel a notify step posts to once defaults are applied. */
export function effectiveNotifyChannel(step: NotifyStep): NotifyChannel {
  return step.channel ?? 'session';
}
