import { WEBHOOK_PATH_PATTERN, WEBHOOK_RATE_LIMIT_DEFAULT, WebhookQuery } from '@weft/shared';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import { createRateLimiter } from './rate-limit';
import { checkSignature, SIGNATURE_HEADER } from './signature';
import type { TriggerRow } from './triggers-repository';
import { waitForExecution } from './wait-for-execution';

/** Request headers a workflow sees as `trigger.headers`; signatures, cookies and tokens never. */
export const WEBHOOK_HEADER_ALLOWLIST = [
  'content-type',
  'user-agent',
  'x-request-id',
  'x-weft-delivery',
  'x-github-event',
  'x-github-delivery',
  'x-github-hook-id',
  'x-gitlab-event',
  'x-gitea-event',
  'x-event-key',
] as const;

export const DELIVERY_HEADER = 'x-weft-delivery';

type RawBody = { raw: Buffer };

const pickHeaders = (headers: FastifyRequest['headers']) => {
  const out: Record<string, string> = {};
  for (const name of WEBHOOK_HEADER_ALLOWLIST) {
    const v = headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
};

function parseForm(raw: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return { ...out };
}

/**
 * `POST /hooks/<path>`: no token (the auth plugin exempts /hooks/, the Host check still applies).
 * Checks run in this order: path (404), signature (401), body, X-Weft-Delivery replay, test mode,
 * enabled (409), rate limit (429); then the delivery and the execution are written together.
 */
const webhooks: FastifyPluginAsync = async (app) => {
  const { triggers, journal, executions, clock } = app.services;
  const limiter = createRateLimiter({ clock });
  const waits = new Set<AbortController>();
  const jsonParser = app.getDefaultJsonParser('error', 'error');

  // Encapsulated: only this plugin keeps raw bodies, so the HMAC covers the bytes that were sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: app.config.bodyLimit }, (_req, body, done) => {
    done(null, { raw: body as Buffer } satisfies RawBody);
  });
  app.addHook('preClose', async () => {
    for (const w of waits) w.abort();
  });

  const parseBody = (request: FastifyRequest, raw: Buffer): unknown => {
    if (raw.length === 0) return null;
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/x-www-form-urlencoded') return parseForm(raw);
    let parsed: unknown;
    let failure: Error | null = null;
    jsonParser(request, raw.toString('utf8'), (err, value) => {
      failure = err;
      parsed = value;
    });
    if (failure) throw new AppError(400, 'bad_request', 'body is not valid JSON');
    return parsed;
  };

  const reject = (t: TriggerRow, receivedAt: Date, reason: string, error: AppError): never => {
    journal.transaction(() => triggers.deliveries.record({ trigger: t, kind: 'webhook', receivedAt, status: 'rejected', reason }));
    throw error;
  };

  /** `fresh`: the execution was created by this request, in a batch not yet committed, so it cannot have finished. */
  async function answer(reply: FastifyReply, executionId: string, waitSeconds: number | undefined, extra: { duplicate?: true } = {}, { fresh = false } = {}) {
    if (waitSeconds !== undefined && waitSeconds > 0) {
      const controller = new AbortController();
      waits.add(controller);
      const onClose = () => controller.abort();
      reply.raw.once('close', onClose);
      try {
        const outcome = await waitForExecution({ journal, executions, executionId, timeoutMs: waitSeconds * 1000, signal: controller.signal, fresh });
        if (outcome.finished) return reply.code(200).send({ executionId, status: outcome.status, output: outcome.output ?? null, ...extra });
      } finally {
        waits.delete(controller);
        reply.raw.off('close', onClose);
      }
    }
    return reply.code(202).send({ executionId, ...extra });
  }

  app.post('/hooks/*', async (request, reply) => {
    const receivedAt = clock.now();
    const path = (request.params as { '*'?: string })['*'] ?? '';
    const t = path.length <= 200 && WEBHOOK_PATH_PATTERN.test(path) ? triggers.repo.byPath(path) : null;
    if (!t || t.type !== 'webhook') throw new AppError(404, 'not_found', `no webhook at /hooks/${path.slice(0, 200)}`);
    const { wait, test, ...query } = parseRequest(WebhookQuery, request.query, 'query');
    const isTest = test === '1' || test === 'true';
    const raw = (request.body as RawBody | undefined)?.raw ?? Buffer.alloc(0);

    if (t.webhook_secret !== null) {
      const check = checkSignature(t.webhook_secret, raw, request.headers[SIGNATURE_HEADER]);
      if (check !== 'ok') {
        const message = check === 'missing_signature' ? 'X-Weft-Signature: header is required (sha256=<hex HMAC of the body>)' : 'X-Weft-Signature: does not match the body';
        reject(t, receivedAt, check, new AppError(401, 'invalid_signature', message));
      }
    }
    let body: unknown;
    try {
      body = parseBody(request, raw);
    } catch (err) {
      if (err instanceof AppError) reject(t, receivedAt, 'bad_body', err);
      throw err;
    }
    const deliveryHeader = request.headers[DELIVERY_HEADER];
    if (deliveryHeader !== undefined && (typeof deliveryHeader !== 'string' || deliveryHeader.length < 1 || deliveryHeader.length > 200)) {
      throw new AppError(400, 'bad_request', 'X-Weft-Delivery: must be one value of 1-200 characters');
    }
    const deliveryKey = deliveryHeader as string | undefined;
    const payload = { type: 'webhook' as const, key: t.key, body, headers: pickHeaders(request.headers), query, receivedAt: receivedAt.toISOString() };

    // A replay of a delivery that already started answers with the same execution and starts nothing.
    if (deliveryKey !== undefined && !isTest) {
      const prior = triggers.repo.deliveryByKey(t.id, deliveryKey);
      if (prior?.execution_id) {
        journal.transaction(() => triggers.deliveries.record({ trigger: t, kind: 'webhook', receivedAt, status: 'skipped', reason: 'duplicate', executionId: prior.execution_id }));
        return answer(reply, prior.execution_id, wait, { duplicate: true });
      }
    }

    const limit = () => {
      const taken = limiter.take(t.id, t.webhook_rate_limit ?? WEBHOOK_RATE_LIMIT_DEFAULT);
      if (!taken.ok) {
        reply.header('retry-after', String(taken.retryAfterSeconds));
        reject(t, receivedAt, 'rate_limited', new AppError(429, 'rate_limited', `too many deliveries to /hooks/${path}; retry after ${taken.retryAfterSeconds} s`));
      }
    };

    if (isTest) {
      limit();
      const delivery = journal.transaction(() => triggers.deliveries.record({ trigger: t, kind: 'webhook', receivedAt, status: 'skipped', reason: 'test' }))!;
      return reply.code(200).send({ test: true, deliveryId: delivery.id, payload });
    }
    if (t.enabled !== 1) reject(t, receivedAt, 'disabled', new AppError(409, 'trigger_disabled', `trigger ${t.key} is disabled`));
    limit();

    const result = journal.batched(() => triggers.firing.fire({ trigger: t, kind: 'webhook', receivedAt, deliveryKey, payload }));
    // The reply reports this fire (and, after a wait, the run's end, which listeners only hear once durable).
    request.durableWrites = journal.durable();
    // Awaited by the onSend hook, maybe only after a long wait: a failed commit must not count as unhandled meanwhile.
    request.durableWrites.catch(() => {});
    switch (result.outcome) {
      case 'started':
        return answer(reply, result.executionId, wait, {}, { fresh: true });
      case 'duplicate':
        if (result.executionId === null) throw new AppError(409, 'duplicate_delivery', `X-Weft-Delivery: ${deliveryKey} was already received`);
        return answer(reply, result.executionId, wait, { duplicate: true });
      case 'failed':
        throw result.error;
      case 'skipped':
      case 'already_recorded':
        throw new Error(`webhook fire ended as ${result.outcome}`);
      default: {
        const never: never = result;
        throw new Error(`unknown fire outcome ${JSON.stringify(never)}`);
      }
    }
  });
};

export default webhooks;
