/**
 * Whether an error from the Messages API should move on to the next model: overloaded (529),
 * rate limited (429), server errors (5xx) and dropped connections — after the SDK's own retries.
 * Client errors (400, 401, 403, 404) and aborts are not: another model would fail the same way.
 */
export function isFailoverError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { status?: unknown; name?: unknown; error?: { type?: unknown; error?: { type?: unknown } } };
  if (e.name === 'AbortError' || e.name === 'APIUserAbortError') return false;
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status !== undefined) return status === 429 || status === 529 || status >= 500;
  const type = e.error?.error?.type ?? e.error?.type;
  if (type === 'overloaded_error' || type === 'api_error' || type === 'rate_limit_error') return true;
  // Stream cut mid-way or connection refused: the SDK raises these without a status.
  return e.name === 'APIConnectionError' || e.name === 'APIConnectionTimeoutError' || e.name === 'Error';
}

/** Whether the server rejected native structured outputs (older or compatible servers). */
export function isStructuredOutputUnsupported(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { status?: unknown; message?: unknown };
  return e.status === 400 && typeof e.message === 'string' && /output_config|output_format|json_schema|structured/i.test(e.message);
}
