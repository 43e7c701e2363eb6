import { HTTP_URL_PATTERN, renderJsonTemplates, renderTemplate, type HttpStep } from '@weft/shared';
import { NonRetriableStepError } from '../engine/errors';
import type { OutboundClient } from '../net/outbound-client';
import { isJsonContentType, redact, sendRequest, statusError } from './http-client';
import type { StepContext, StepHandler } from './types';

export type HttpStepOutput = {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the response says it is JSON (and was not cut), else the text. */
  body: unknown;
  truncated: boolean;
};

/**
 * Sends one HTTP request. `url` and header values are templates; `body` is JSON whose strings are
 * templates (a string that is exactly `{{ expr }}` keeps the raw value); a non-string body is sent
 * as JSON. The step's timeout and cancel abort the request. A status of 400 or more fails the step.
 * The URL comes from workflow content, so it goes through `outbound` (the runner's address policy).
 */
export function createHttpStep({ outbound }: { outbound: OutboundClient }): StepHandler<'http'> {
  return { type: 'http', run: (ctx, step) => runHttp({ ctx, step, outbound }) };
}

async function runHttp({ ctx, step, outbound }: { ctx: StepContext; step: HttpStep; outbound: OutboundClient }): Promise<HttpStepOutput> {
  const url = renderTemplate(step.url, ctx.scope).trim();
  if (!HTTP_URL_PATTERN.test(url) || !URL.canParse(url)) {
    throw new NonRetriableStepError(`url must be an absolute http(s) URL, got ${JSON.stringify(redact(url).slice(0, 200))}`, { code: 'http_bad_url' });
  }
  const headers = new Headers();
  for (const [name, template] of Object.entries(step.headers ?? {})) headers.set(name, renderTemplate(template, ctx.scope));
  // The request joins the run's trace, unless the workflow passes a trace context of its own on purpose.
  if (ctx.traceparent !== undefined && !headers.has('traceparent')) headers.set('traceparent', ctx.traceparent);

  let body: string | undefined;
  if (step.body !== undefined) {
    if (step.method === 'GET' || step.method === 'HEAD') {
      throw new NonRetriableStepError(`a ${step.method} request cannot have a body`, { code: 'http_body_not_allowed' });
    }
    const rendered = renderJsonTemplates(step.body, ctx.scope);
    if (typeof rendered === 'string') {
      body = rendered;
      if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
    } else {
      body = JSON.stringify(rendered ?? null);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }

  const init = { method: step.method, headers: Object.fromEntries(headers), ...(body === undefined ? {} : { body }) };
  const response = await sendRequest({ client: outbound, url, init, signal: ctx.signal });
  if (response.status >= 400) throw statusError(response, `${step.method} ${redact(url)}`);
  return { status: response.status, headers: response.headers, body: parseBody(response), truncated: response.truncated };
}

function parseBody({ text, contentType, truncated }: { text: string; contentType: string; truncated: boolean }): unknown {
  if (truncated || !isJsonContentType(contentType) || text.trim() === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
