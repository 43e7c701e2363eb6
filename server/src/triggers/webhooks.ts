import { WEBHOOK_PATH_PATTERN, WEBHOOK_RATE_LIMIT_DEFAULT, WebhookQuery, type DeliveryCount, type WebhookVerify } from '@weft/shared';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors';
import { bodyTooDeep, jsonTooDeep } from '../http/json-body';
import { parseRequest } from '../http/parse';
import { crossSiteReason } from './browser-requests';
import { createRateLimiter } from './rate-limit';
import { verifySignature } from './signature';
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
  'x-slack-retry-num',
  'x-slack-retry-reason',
] as const;

export const DELIVERY_HEADER = 'x-weft-delivery';

type RawBody = { raw: Buffer };
type Hook = { trigger: TriggerRow; scheme: WebhookVerify; receivedAt: Date };

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

/** Rows from before migration 010 have no scheme; the migration gave every webhook one. */
export const schemeOf = (t: TriggerRow): WebhookVerify => t.webhook_verify ?? (t.webhook_secret === null ? 'none' : 'weft');

/** Schemes whose signature covers the query string (or that have none): only they offer `?test=1`. */
const QUERY_SIGNED: ReadonlySet<WebhookVerify> = new Set(['weft', 'none']);

const validId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 200;

/**
 * The sender's own id for a delivery, so its retries start nothing new: X-Weft-Delivery (weft,
 * none), X-GitHub-Delivery, the Stripe event id (inside the signed body). Slack's retries carry no
 * id of their own; its replays are caught by the signature alone.
 */
function senderDeliveryId(scheme: WebhookVerify, request: FastifyRequest, body: unknown): string | undefined {
  switch (scheme) {
    case 'weft':
    case 'none': {
      const header = request.headers[DELIVERY_HEADER];
      if (header === undefined) return undefined;
      if (!validId(header)) throw new AppError(400, 'bad_request', 'X-Weft-Delivery: must be one value of 1-200 characters');
      return header;
    }
    case 'github': {
      const header = request.headers['x-github-delivery'];
      return validId(header) ? `github:${header}` : undefined;
    }
    case 'stripe': {
      const id = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
      return validId(id) ? `stripe:${id}` : undefined;
    }
    case 'slack':
      return undefined;
    default: {
      const never: never = scheme;
      throw new Error(`unknown webhook scheme ${String(never)}`);
    }
  }
}

/** `{ "type": "url_verification", "challenge": "…" }`: Slack's check of a new Request URL. */
function slackChallenge(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { type, challenge } = body as { type?: unknown; challenge?: unknown };
  return type === 'url_verification' && typeof challenge === 'string' && challenge.length <= 500 ? challenge : null;
}

/**
 * `POST /hooks/<path>`: no token (the auth plugin exempts /hooks/; its Host check still applies).
 * Before the body is read (onRequest): path (404), browser cross-site (403), unsigned hook on a
 * public server (403), rate limit (429). Then: signature on the raw bytes (401), body (400), replay
 * (same execution, or same test; nothing started), test mode (weft and none only), enabled (409); then the delivery and the
 * execution are written together. Every refusal, and every replay, is one more on a per-minute
 * counter, never a row: a flood of them cannot grow the database.
 */
const webhooks: FastifyPluginAsync = async (app) => {
  const { triggers, journal, executions, clock, tracing } = app;
  const limiter = createRateLimiter({ clock });
  const hooks = new WeakMap<FastifyRequest, Hook>();
  const waits = new Set<AbortController>();
  const jsonParser = app.getDefaultJsonParser('error', 'error');

  // Encapsulated: only this plugin keeps raw bodies, so the HMAC covers the bytes that were sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer', bodyLimit: app.config.bodyLimit },
    (_req, body, done) => {
      done(null, { raw: body as Buffer } satisfies RawBody);
    },
  );
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    for (const w of waits) w.abort();
  });

  const parseBody = (request: FastifyRequest, raw: Buffer): unknown => {
    if (raw.length === 0) return null;
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/x-www-form-urlencoded') return parseForm(raw);
    const text = raw.toString('utf8');
    if (jsonTooDeep(text)) throw bodyTooDeep();
    let parsed: unknown;
    let failure: Error | null = null;
    jsonParser(request, text, (err, value) => {
      failure = err;
      parsed = value;
    });
    if (failure) throw new AppError(400, 'bad_request', 'body is not valid JSON');
    return parsed;
  };

  const count = (hook: Hook, reason: string, status: DeliveryCount['status'] = 'rejected') => {
    journal.batched(() => triggers.deliveries.count({ trigger: hook.trigger, at: hook.receivedAt, reason, status }));
    // Counted calls are journaled once per minute, not per call: the metric is told here (recorded ones come from the journal).
    app.metrics.webhookDeliveries.inc({ outcome: status, reason });
  };
  const refuse = (hook: Hook, reason: string, error: AppError): never => {
    count(hook, reason);
    throw error;
  };

  /** Runs before the body is read, so a refused flood costs no parsing and no more than a counter. */
  async function admit(request: FastifyRequest, reply: FastifyReply) {
    const receivedAt = clock.now();
    const path = (request.params as { '*'?: string })['*'] ?? '';
    const t = path.length <= 200 && WEBHOOK_PATH_PATTERN.test(path) ? triggers.repo.byPath(path) : null;
    if (t?.type !== 'webhook') throw new AppError(404, 'not_found', `no webhook at /hooks/${path.slice(0, 200)}`);
    const hook: Hook = { trigger: t, scheme: schemeOf(t), receivedAt };

    if (t.webhook_allow_browser !== 1) {
      const crossSite = crossSiteReason(request.headers);
      if (crossSite !== null)
        refuse(
          hook,
          'cross_site',
          new AppError(403, 'forbidden_origin', `${crossSite}: browsers may not call this hook from another site (the trigger can set allowBrowser)`),
        );
    }
    if (hook.scheme === 'none' && !triggers.allowUnsignedHooks) {
      refuse(
        hook,
        'unsigned_refused',
        new AppError(
          403,
          'unsigned_hook',
          `trigger ${t.key} is unsigned (verify "none"), which this server refuses: give it a signature scheme or set WEFT_ALLOW_UNSIGNED_HOOKS=1`,
        ),
      );
    }
    const taken = limiter.take(t.id, t.webhook_rate_limit ?? WEBHOOK_RATE_LIMIT_DEFAULT);
    if (!taken.ok) {
      reply.header('retry-after', String(taken.retryAfterSeconds));
      refuse(hook, 'rate_limited', new AppError(429, 'rate_limited', `too many deliveries to /hooks/${path}; retry after ${taken.retryAfterSeconds} s`));
    }
    hooks.set(request, hook);
  }

  /** `fresh`: the execution was created by this request, in a batch not yet committed, so it cannot have finished. */
  async function answer(
    reply: FastifyReply,
    {
      executionId,
      wait,
      hook,
      duplicate = false,
      fresh = false,
      withOutput = true,
    }: { executionId: string; wait: number | undefined; hook: Hook; duplicate?: boolean; fresh?: boolean; withOutput?: boolean },
  ) {
    const extra = duplicate ? { duplicate: true as const } : {};
    if (wait === undefined) return reply.code(202).send({ executionId, ...extra });
    if (wait > 0) {
      const controller = new AbortController();
      waits.add(controller);
      const onClose = () => controller.abort();
      reply.raw.once('close', onClose);
      try {
        const outcome = await waitForExecution({ journal, executions, executionId, timeoutMs: wait * 1000, signal: controller.signal, fresh });
        if (outcome.finished) {
          const output = withOutput && hook.trigger.webhook_respond_output === 1 ? { output: outcome.output ?? null } : {};
          return reply.code(200).send({ executionId, status: outcome.status, ...output, ...extra });
        }
      } finally {
        waits.delete(controller);
        reply.raw.off('close', onClose);
      }
    }
    // A wait cut short by shutdown: its connection, busy when the server began closing, would
    // otherwise stay open for the keep-alive timeout and hold the close up that long.
    if (closing) reply.header('connection', 'close');
    return reply.code(202).send({ executionId, status: executions.repo.get(executionId)?.status ?? 'queued', ...extra });
  }

  // Before the route, so its span covers the admission checks too.
  tracing.traceRequests(app, '/hooks/*');
  app.post('/hooks/*', { onRequest: admit }, async (request, reply) => {
    const hook = hooks.get(request)!;
    const t = hook.trigger;
    const { wait, test, ...query } = parseRequest(WebhookQuery, request.query, 'query');
    const isTest = test === '1' || test === 'true';
    // Test mode answers with the payload and records it: only where the signature covers the query
    // (weft; or none, which has no signature), or one captured delivery could be re-sent as a test.
    if (isTest && !QUERY_SIGNED.has(hook.scheme)) {
      throw new AppError(
        400,
        'test_not_available',
        `query test: verify "${hook.scheme}" signs the body only, not the query, so test mode is not available for this trigger`,
      );
    }
    const raw = (request.body as RawBody | undefined)?.raw ?? Buffer.alloc(0);

    // On the bytes as received and the request target as sent, before anything is parsed.
    const check = verifySignature(hook.scheme, {
      secret: t.webhook_secret,
      raw,
      target: request.raw.url ?? request.url,
      headers: request.headers,
      nowMs: hook.receivedAt.getTime(),
    });
    if (!check.ok) refuse(hook, check.reason, new AppError(401, check.reason === 'stale_signature' ? 'stale_signature' : 'invalid_signature', check.message));
    const replayKey = check.ok && check.replayKey !== null ? check.replayKey : undefined;
    let body: unknown;
    try {
      body = parseBody(request, raw);
    } catch (err) {
      if (err instanceof AppError) refuse(hook, 'bad_body', err);
      throw err;
    }
    // Slack checks an Events API URL by sending a signed challenge it wants echoed: nothing runs.
    const challenge = hook.scheme === 'slack' ? slackChallenge(body) : null;
    if (challenge !== null) return reply.code(200).send({ challenge });
    const deliveryKey = senderDeliveryId(hook.scheme, request, body);
    // A scheme that signs only the body says nothing about the query: the workflow gets none of it.
    const signsQuery = check.ok && check.signsQuery;
    const signedQuery = signsQuery ? query : {};
    const payload = {
      type: 'webhook' as const,
      key: t.key,
      body,
      headers: pickHeaders(request.headers),
      query: signedQuery,
      receivedAt: hook.receivedAt.toISOString(),
    };

    // The same delivery again (a sender's retry, or a replayed signature) answers with the same
    // execution, or the same test; before test mode, so a test call is never a way around it.
    if (deliveryKey !== undefined || replayKey !== undefined) {
      const prior = triggers.repo.deliveryByKeys(t.id, { deliveryKey, replayKey });
      if (prior?.execution_id) {
        count(hook, 'duplicate', 'skipped');
        // Where the query is not signed, whoever replays a captured delivery chose its `?wait`: no output for them.
        return answer(reply, { executionId: prior.execution_id, wait, hook, duplicate: true, withOutput: signsQuery });
      }
      if (prior !== null && prior.reason === 'test') {
        count(hook, 'duplicate', 'skipped');
        return reply.code(200).send({ test: true, deliveryId: prior.id, payload });
      }
    }

    if (isTest) {
      const delivery = journal.transaction(() => {
        const recorded = triggers.deliveries.record({
          trigger: t,
          kind: 'webhook',
          receivedAt: hook.receivedAt,
          status: 'skipped',
          reason: 'test',
          // Claimed, so the same signed test call again is counted as a replay, not a new row.
          replayKey,
        });
        if (recorded !== null) triggers.repo.keepTestPayload(t.id, recorded.id, payload);
        return recorded;
      });
      if (delivery === null) {
        count(hook, 'duplicate', 'skipped');
        throw new AppError(409, 'duplicate_delivery', 'this test delivery was already received');
      }
      return reply.code(200).send({ test: true, deliveryId: delivery.id, payload });
    }
    if (t.enabled !== 1) refuse(hook, 'disabled', new AppError(409, 'trigger_disabled', `trigger ${t.key} is disabled`));

    // The execution's span hangs under this request's (docs/api.md "Traces").
    const result = tracing.underRequest(request, () =>
      journal.batched(() =>
        triggers.firing.fire({
          trigger: t,
          kind: 'webhook',
          receivedAt: hook.receivedAt,
          deliveryKey,
          replayKey,
          payload,
          startedBy: { kind: 'webhook', id: t.key },
        }),
      ),
    );
    // The reply reports this fire (and, after a wait, the run's end, which listeners only hear once durable).
    request.durableWrites = journal.durable();
    // Awaited by the onSend hook, maybe only after a long wait: a failed commit must not count as unhandled meanwhile.
    request.durableWrites.catch(() => {});
    switch (result.outcome) {
      case 'started':
        return answer(reply, { executionId: result.executionId, wait, hook, fresh: true });
      case 'duplicate':
        count(hook, 'duplicate', 'skipped');
        if (result.executionId === null) throw new AppError(409, 'duplicate_delivery', 'this delivery was already received and is still being started');
        return answer(reply, { executionId: result.executionId, wait, hook, duplicate: true, withOutput: signsQuery });
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
