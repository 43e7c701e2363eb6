import { createHash } from 'node:crypto';
import { effectiveNotifyChannel, renderTemplate, type NotifyStep } from '@weft/shared';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import type { OutboundClient, OutboundRequest } from '../net/outbound-client';
import { redact, sendRequest, statusError } from './http-client';
import type { StepContext, StepHandler } from './types';

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_KEY = 300;

export type NotifyOutput = { delivered: true; channel: 'session' | 'webhook' };

/**
 * Posts a message (a template). `session` (default): a system chat message, keyed so a resend or a
 * retry finds the same message; the server attaches it to the execution's session or, without
 * one, to the run log. `{ webhookUrl }`: POST `{ text }` (Slack-compatible), 10 s timeout, one retry;
 * the URL is workflow content, so it goes through `outbound` (the runner's address policy).
 */
export function createNotifyStep({ outbound }: { outbound: OutboundClient }): StepHandler<'notify'> {
  return { type: 'notify', run: (ctx, step) => runNotify({ ctx, step, outbound }) };
}

async function runNotify({ ctx, step, outbound }: { ctx: StepContext; step: NotifyStep; outbound: OutboundClient }): Promise<NotifyOutput> {
  const text = renderTemplate(step.message, ctx.scope);
  const channel = effectiveNotifyChannel(step);
  if (channel === 'session') {
    const key = messageKey(ctx);
    ctx.emitMessage({ op: 'create', key, role: 'system', parts: [{ type: 'text', text }] });
    ctx.emitMessage({ op: 'complete', key, status: 'complete' });
    return { delivered: true, channel: 'session' };
  }
  await postWebhook({ ctx, url: channel.webhookUrl, text, outbound });
  return { delivered: true, channel: 'webhook' };
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
