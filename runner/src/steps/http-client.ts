import type { Response } from 'undici';
import { NonRetriableStepError, RetryAfterError, StepFailedError } from '../engine/errors';
import { addressRefusalOf, RedirectRefusedError, type OutboundClient, type OutboundRequest } from '../net/outbound-client';
import { readCapped } from '../net/read-body';

export const RESPONSE_BODY_CAP_BYTES = 1024 * 1024;

export type FetchedResponse = {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** Decoded text of the body, at most the cap. */
  text: string;
  truncated: boolean;
  contentType: string;
};

/**
 * One request with the step's signal, through the runner's outbound client (address policy,
 * redirects checked hop by hop); the body is read up to `capBytes`, the rest discarded. A refused
 * address or redirect fails the step for good: retrying cannot change the policy.
 */
export async function sendRequest({
  client,
  url,
  init,
  signal,
  capBytes = RESPONSE_BODY_CAP_BYTES,
}: {
  client: OutboundClient;
  url: string;
  init: OutboundRequest;
  signal: AbortSignal;
  capBytes?: number;
}): Promise<FetchedResponse> {
  let response: Response;
  try {
    response = await client.request({ url, init, signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : error;
    const refused = addressRefusalOf(error);
    if (refused !== null) throw new NonRetriableStepError(refused.message, { code: refused.code });
    if (error instanceof RedirectRefusedError) throw new NonRetriableStepError(`request to ${redact(url)}: ${error.message}`, { code: error.code });
    throw new StepFailedError(`request to ${redact(url)} failed: ${networkReason(error)}`, { code: 'http_network_error' });
  }
  const { text, truncated } = await readCapped(response, capBytes);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, statusText: response.statusText, headers, text, truncated, contentType: response.headers.get('content-type') ?? '' };
}

/** The error a 4xx/5xx answer becomes; 429 and 503 honour Retry-After. */
export function statusError(response: FetchedResponse, what: string): Error {
  const excerpt = response.text.trim().slice(0, 500);
  const message = `${what} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`;
  const retryAfterMs = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers['retry-after']) : undefined;
  if (retryAfterMs !== undefined) return new RetryAfterError(message, { retryAfterMs, code: 'http_status' });
  return new StepFailedError(message, { code: 'http_status' });
}

/** Seconds or an HTTP date; capped at an hour so a hostile server cannot park a step forever. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), 60 * 60 * 1000);
}

export function isJsonContentType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ? `${error.message} (${cause})` : error.message;
}

/** URLs may carry credentials in the userinfo part; errors never repeat them. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
