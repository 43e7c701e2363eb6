import { ApiErrorBody } from '@weft/shared';
import type { z } from 'zod';
import { authStore } from '../store/auth-store';
import { personSignal } from '../store/person-scope';

/** Any failed request: an HTTP error with the server's `{ error }` body, a network failure, or an unexpected response. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor({ status, code, message, details }: { status: number; code: string; message: string; details?: unknown }) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** `details.errors` of `invalid_definition` / `validation_failed` errors, when present. */
export function issuesOf(error: unknown): { path: string; message: string }[] {
  if (!isApiError(error)) return [];
  const details = error.details as { errors?: unknown } | undefined;
  if (!Array.isArray(details?.errors)) return [];
  return details.errors.filter(
    (issue): issue is { path: string; message: string } =>
      typeof issue === 'object' &&
      issue !== null &&
      typeof (issue as { path?: unknown }).path === 'string' &&
      typeof (issue as { message?: unknown }).message === 'string',
  );
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RequestOptions<S extends z.ZodType | undefined> = {
  method?: Method;
  body?: unknown;
  /** Parses the response; omit for empty (204) responses. */
  schema?: S;
  signal?: AbortSignal;
  /** A 401 here means "wrong token", not "session expired": do not flip the auth store. */
  ignoreUnauthorized?: boolean;
  /**
   * A POST that creates something (docs/api.md, "Idempotent requests"): sent with an
   * `Idempotency-Key` of its own, and sent again with the same key when no answer came back
   * (the network) or the server could not store it (503), so a retry never creates twice.
   */
  idempotent?: boolean;
};

/** Delays before the second and third tries of an idempotent request. */
export const IDEMPOTENT_RETRY_DELAYS_MS = [300, 1500];

/** 128 random bits as hex: `crypto.randomUUID` exists only on https and localhost, this everywhere. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const retriable = (error: ApiError) => error.code === 'network' || (error.status === 503 && error.code === 'storage_unavailable');

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    // Removed once the delay is over: a long-lived signal does not collect one listener per retry.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });

type Result<S> = S extends z.ZodType ? z.infer<S> : undefined;

/**
 * One request's signal: aborted by the caller's (when given) or by the end of the sign-in it was
 * asked in, whichever comes first. `release` removes its listeners when the request is over: the
 * sign-in's signal lives as long as the person stays, and must not collect one per request.
 */
function requestSignal(caller: AbortSignal | undefined, scope: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const sources = caller === undefined ? [scope] : [caller, scope];
  const aborted = sources.find((s) => s.aborted);
  if (aborted !== undefined) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, release: () => {} };
  }
  const listeners = sources.map((source) => {
    const abort = () => controller.abort(source.reason);
    source.addEventListener('abort', abort, { once: true });
    return () => source.removeEventListener('abort', abort);
  });
  return {
    signal: controller.signal,
    release: () => {
      for (const remove of listeners) remove();
    },
  };
}

/**
 * Same-origin JSON request. Resolves with the parsed body; rejects with an
 * `ApiError` for any failure. A 401 marks the session signed out.
 *
 * The answer belongs to the sign-in the request was made in (store/person-scope.ts): when that
 * person signs out first, the request is aborted and whatever still comes back is dropped (it
 * rejects with an `AbortError`): no store is filled, and the auth status is not touched, with the
 * person who left's data or session.
 */
export async function request<S extends z.ZodType | undefined = undefined>(path: string, options: RequestOptions<S> = {}): Promise<Result<S>> {
  const scope = personSignal();
  const { signal, release } = requestSignal(options.signal, scope);
  const scoped = { ...options, signal };
  try {
    if (!options.idempotent) return await requestOnce(path, scoped, {}, scope);
    const headers = { 'Idempotency-Key': newIdempotencyKey() };
    for (const delay of IDEMPOTENT_RETRY_DELAYS_MS) {
      try {
        return await requestOnce(path, scoped, headers, scope);
      } catch (error) {
        if (!isApiError(error) || !retriable(error)) throw error;
        await sleep(delay, signal);
      }
    }
    return await requestOnce(path, scoped, headers, scope);
  } finally {
    release();
  }
}

/** Throws once the sign-in that asked has ended: its answer is not this person's to see or act on. */
function stillSignedIn(scope: AbortSignal): void {
  if (scope.aborted) throw scope.reason;
}

async function requestOnce<S extends z.ZodType | undefined>(
  path: string,
  options: RequestOptions<S>,
  extraHeaders: Record<string, string>,
  scope: AbortSignal,
): Promise<Result<S>> {
  const { method = 'GET', body, schema, signal, ignoreUnauthorized = false } = options;
  const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (error) {
    stillSignedIn(scope);
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 'network', message: 'Could not reach the Weft server. Check that it is running.' });
  }

  if (!response.ok) {
    const error = await errorFrom(response);
    // A 401 for the person who left must not sign out whoever signed in since.
    stillSignedIn(scope);
    if (response.status === 401 && !ignoreUnauthorized) authStore.setStatus('signed-out');
    throw error;
  }
  stillSignedIn(scope);
  if (!ignoreUnauthorized && path.startsWith('/api/')) authStore.setStatus('signed-in');

  if (schema === undefined) return undefined as Result<S>;
  const json = await readJson(response);
  stillSignedIn(scope);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError({
      status: response.status,
      code: 'invalid_response',
      message: `The server sent an unexpected response for ${method} ${path}.`,
      details: parsed.error.issues,
    });
  }
  return parsed.data as Result<S>;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const json = await readJson(response).catch(() => undefined);
  const parsed = ApiErrorBody.safeParse(json);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError({ status: response.status, code, message, details });
  }
  const fallback = response.statusText || `HTTP ${response.status}`;
  return new ApiError({ status: response.status, code: `http_${response.status}`, message: `Request failed: ${fallback}` });
}
