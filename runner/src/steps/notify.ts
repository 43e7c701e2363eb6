import { createHash } from 'node:crypto';
import { effectiveNotifyChannel, renderTemplate, type NotifyDestination, type NotifyOutput, type NotifyRequest, type NotifyStep } from '@weft/shared';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import type { OutboundClient, OutboundRequest } from '../net/outbound-client';
import { redact, sendRequest, statusError } from './http-client';
import type { StepContext, StepHandler } from './types';

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_KEY = 300;
/** The protocol's cap on a notify message (Slack's own limit is 40,000 characters too). */
const MAX_MESSAGE = 40_000;

/**
 * Delivers a notify over the server (the runner socket's `notify` request); the runner fills in
 * the lease attempt it holds. Rejects with `{ code }` when the server refused it.
 */
export type Notifier = (request: Omit<NotifyRequest, 'attempt'>, signal: AbortSignal) => Promise<NotifyDestination[]>;

/** Refusals no retry can fix: the workflow names a channel this server cannot post to. */
const PERMANENT_CODES = new Set(['integration_not_found', 'integration_cannot_post', 'invalid_channel', 'lease_not_held']);

/**
 * Posts a message (a template). By default, and for `"<integration>:<channel>"`, the server
 * delivers it (the run's chat session, else the Notifications inbox; or through the integration,
 * whose credentials stay on the server) and answers where it went: that answer is `delivered`.
 * The message key makes a resend or a retry find the first delivery. `{ webhookUrl }`: POST
 * `{ text }` (Slack-compatible), 10 s timeout, one retry; the URL is workflow content, so it goes
 * through `outbound` (the runner's address policy).
 */
export function createNotifyStep({ outbound, notifier }: { outbound: OutboundClient; notifier: Notifier }): StepHandler<'notify'> {
  return { type: 'notify', run: (ctx, step) => runNotify({ ctx, step, outbound, notifier }) };
}

async function runNotify({
  ctx,
  step,
  outbound,
  notifier,
}: {
  ctx: StepContext;
  step: NotifyStep;
  outbound: OutboundClient;
  notifier: Notifier;
}): Promise<NotifyOutput> {
  const text = renderTemplate(step.message, ctx.scope).slice(0, MAX_MESSAGE);
  if (text.trim() === '') throw new NonRetriableStepError('the message is empty once its template is filled in', { code: 'empty_message' });
  const channel = effectiveNotifyChannel(step);
  if (typeof channel === 'object') {
    await postWebhook({ ctx, url: channel.webhookUrl, text, outbound });
    return { delivered: ['webhook'] };
  }
  const title = step.title === undefined ? undefined : renderTemplate(step.title, ctx.scope).slice(0, 500);
  const request: Omit<NotifyRequest, 'attempt'> = {
    executionId: ctx.executionId,
    stepId: ctx.stepId,
    iterationPath: ctx.iterationPath,
    stepAttempt: ctx.attempt,
    key: messageKey(ctx),
    message: text,
    level: step.level ?? 'info',
    ...(title ? { title } : {}),
    ...(channel === 'session' ? {} : { channel }),
  };
  try {
    return { delivered: await notifier(request, ctx.signal) };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (typeof code === 'string' && PERMANENT_CODES.has(code)) throw new NonRetriableStepError(message, { code });
    throw new StepFailedError(message, { code: typeof code === 'string' ? code : 'notify_failed' });
  }
}

/** `notify:<stepId>:<iterationPath>`; one message per step instance, whatever the attempt. */
export function messageKey(ctx: Pick<StepContext, 'stepId' | 'iterationPath'>): string {
  const key = `notify:${ctx.stepId}:${ctx.iterationPath}`;
  if (key.length <= MAX_KEY) return key;
  return `notify:${ctx.stepId}:#${createHash('sha256').update(ctx.iterationPath).digest('hex')}`;
}

async function postWebhook({ ctx, url, text, outbound }: { ctx: StepContext; url: string; text: string; outbound: OutboundClient }): Promise<void> {
  const init: OutboundRequest = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `${ctx.executionId}:${ctx.stepId}:${ctx.iterationPath}` },
    body: JSON.stringify({ text }),
  };
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    ctx.signal.throwIfAborted();
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]);
    try {
      const response = await sendRequest({ client: outbound, url, init, signal, capBytes: 64 * 1024 });
      if (response.status < 400) return;
      lastError = statusError(response, `webhook ${redact(url)}`);
      // A client error will not improve on a second try (except rate limiting).
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      if (ctx.signal.aborted || error instanceof NonRetriableStepError) throw error;
      lastError = signal.aborted
        ? new StepFailedError(`webhook ${redact(url)} did not answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`, { code: 'webhook_timeout' })
        : error;
    }
  }
  throw lastError;
}
