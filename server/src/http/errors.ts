import type { FastifyError, FastifyInstance } from 'fastify';
import type { ZodError } from 'zod';
import { isStorageError, storageReason } from '../db/storage-errors';
import { errorPage, isBrowserNavigation } from './browser-page';

/** An error whose status, code and message are meant for the caller. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);

/** 503 for a write the database refused (disk full, I/O error): nothing was stored; retry later. */
export const storageUnavailable = (err: unknown) =>
  new AppError(503, 'storage_unavailable', `the server cannot store data right now (${storageReason(err)}); nothing was saved, try again later`);

/** Renders zod issues as `{ path, message }` with paths like `inputs.region` or `steps[0].id`. */
export function zodIssues(error: ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    let p = prefix;
    for (const seg of issue.path) {
      p += typeof seg === 'number' ? `[${seg}]` : p ? `.${String(seg)}` : String(seg);
    }
    return { path: p || '(root)', message: issue.message };
  });
}

export function validationError(error: ZodError, where: 'body' | 'query' | 'params'): AppError {
  const errors = zodIssues(error);
  const first = errors[0]!;
  const code = where === 'body' ? 'validation_failed' : 'bad_request';
  return new AppError(where === 'body' ? 422 : 400, code, `${where === 'body' ? '' : `${where} `}${first.path}: ${first.message}`.trim(), { errors });
}

const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'request body is larger than the limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'content type is not supported'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'bad_request', 'body is empty but content-type is application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'bad_request', 'body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request', 'content-length does not match the body'],
};

/**
 * One root error handler: the message for 4xx, a generic body for 5xx, everything logged. A
 * storage failure is 503 `storage_unavailable`, never the driver's code or message. `onStorageError`
 * tells the storage health about it.
 */
export function installErrorHandlers(app: FastifyInstance, { onStorageError }: { onStorageError?: (err: unknown) => void } = {}) {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (isStorageError(err) && !(err instanceof AppError)) {
      request.log.error({ err, method: request.method, url: request.url }, 'storage refused a write');
      onStorageError?.(err);
      err = storageUnavailable(err);
    }
    // A person's browser gets a page it can read; scripts and /api get the JSON below.
    if (isBrowserNavigation(request)) {
      const status = err instanceof AppError || (err.statusCode && err.statusCode < 500) ? (err.statusCode ?? 500) : 500;
      if (status >= 500) request.log.error({ err, method: request.method, url: request.url }, 'unhandled error');
      else request.log.info({ status }, err.message);
      return reply
        .code(status)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(errorPage({ status, message: err.message }));
    }
    if (err instanceof AppError) {
      request.log.info({ code: err.code, status: err.statusCode }, err.message);
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (mapped) {
      return reply.code(mapped[0]).send({ error: { code: mapped[1], message: mapped[2] } });
    }
    if (err instanceof SyntaxError || (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)) {
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 400;
      return reply.code(status).send({ error: { code: status === 400 ? 'bad_request' : 'request_error', message: err.message } });
    }
    request.log.error({ err, method: request.method, url: request.url }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'internal', message: 'Internal server error' } });
  });
}
