import { ProviderError, withTimeout } from './types';

export type JsonResponse = { status: number; body: unknown; text: string };

const MAX_BODY = 4 * 1024 * 1024;

/**
 * The body's first `max` bytes as text: reading stops there and the rest is never downloaded (the
 * stream is canceled), so a huge answer costs at most `max` bytes of memory.
 */
export async function readUpTo(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = max - size;
    if (value.byteLength >= room) {
      chunks.push(value.subarray(0, room));
      size = max;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/**
 * One HTTP call of a built-in provider. `what` names the call in messages ("GitHub GET /user"):
 * messages never contain URLs, headers or bodies sent, so no credential can leak through them.
 * Network failures are `unreachable`, timeouts `unavailable`; statuses are left to the caller.
 */
export async function requestJson({
  url,
  method = 'GET',
  headers = {},
  body,
  signal,
  timeoutMs,
  what,
}: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  signal: AbortSignal;
  timeoutMs: number;
  what: string;
}): Promise<JsonResponse> {
  const combined = withTimeout(signal, timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: combined,
      redirect: 'error',
    });
  } catch (err) {
    if (signal.aborted) throw new ProviderError('unavailable', `${what}: canceled`);
    if (combined.aborted) throw new ProviderError('unavailable', `${what}: no answer within ${Math.round(timeoutMs / 1000)} s`);
    const code = (err as { cause?: { code?: string } }).cause?.code;
    throw new ProviderError('unreachable', `${what}: cannot connect${code ? ` (${code})` : ''}`);
  }
  let text: string;
  try {
    text = await readUpTo(res, MAX_BODY);
  } catch {
    throw new ProviderError('unavailable', `${what}: the answer was cut off`);
  }
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed, text };
}

/** The usual status mapping: 401/403 auth, 404 not found, 429 and 5xx unavailable, other 4xx rejected. */
export function statusFailure(status: number, what: string, detail?: string): ProviderError {
  const suffix = detail ? `: ${detail.slice(0, 300)}` : '';
  if (status === 401 || status === 403) return new ProviderError('auth', `${what}: credentials rejected (HTTP ${status})${suffix}`, status);
  if (status === 404) return new ProviderError('not_found', `${what}: not found (HTTP 404)${suffix}`, status);
  if (status === 429 || status >= 500) return new ProviderError('unavailable', `${what}: HTTP ${status}${suffix}`, status);
  return new ProviderError('rejected', `${what}: HTTP ${status}${suffix}`, status);
}

/** `base` + `path` without doubling or dropping the slash between them. */
export const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
