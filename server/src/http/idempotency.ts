import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock';
import { canonicalJson } from '../canonical-json';
import type { Db } from '../db/open';
import type { Journal } from '../journal/journal';
import { userOf } from '../auth/principal';
import { AppError } from './errors';

/** How long a key answers its retries; retention forgets older ones (retention/idempotency-key-pruner.ts). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** On an answer that is the stored first answer to an earlier request with the same key. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * A saved workflow's answer without its trigger's generated webhook secret (shown once): a replay
 * says `secretWithheld: true` instead; the secret can be regenerated (`regenerateSecret`).
 */
export function withoutWebhookSecret(body: unknown): unknown {
  const trigger = (body as { trigger?: { webhook?: Record<string, unknown> } } | null)?.trigger;
  if (trigger?.webhook?.secret === undefined) return body;
  const { secret: _secret, ...webhook } = trigger.webhook;
  return { ...(body as object), trigger: { ...trigger, webhook: { ...webhook, secretWithheld: true } } };
}

/** Printable ASCII without spaces: what a UUID, a ULID or any client's own scheme is made of. */
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

type StoredAnswer = { fingerprint: string; route: string; status: number; response: string };

/**
 * `Idempotency-Key` on the POSTs that create something (docs/api.md, "Idempotent requests").
 *
 * Why it is needed: an answer can be lost after its write committed (a dropped connection, or a
 * 503 for a COMMIT whose session PostgreSQL lost, which may have landed). Retrying such a POST
 * without a key can create a second workflow or start a second run.
 *
 * The key's record is written in the same transaction as what the request creates, claimed before
 * the write: on one server the journal's transactions run one at a time, and on PostgreSQL a second
 * server's claim of the same key waits on the first's row until it commits, then finds it. So a
 * retry either finds the first answer (the write committed) or runs the request anew (it did not);
 * never both. A request that fails stores nothing: it changed nothing, and a retry runs again.
 */
export function createIdempotency({ db, journal, clock }: { db: Db; journal: Journal; clock: Clock }) {
  const s = {
    expire: db.prepare<[string, string, string]>('DELETE FROM idempotency_keys WHERE owner = ? AND key = ? AND created_at < ?'),
    // Claimed with the answer still unknown; filled in below, in the same transaction, so no
    // other transaction ever reads a claim without its answer.
    claim: db.prepare<[string, string, string, string, string]>(
      "INSERT INTO idempotency_keys (owner, key, fingerprint, route, status, response, created_at) VALUES (?, ?, ?, ?, 0, '', ?) ON CONFLICT (owner, key) DO NOTHING",
    ),
    read: db.prepare<[string, string], StoredAnswer>('SELECT fingerprint, route, status, response FROM idempotency_keys WHERE owner = ? AND key = ?'),
    answer: db.prepare<[number, string, string, string]>('UPDATE idempotency_keys SET status = ?, response = ? WHERE owner = ? AND key = ?'),
  };

  return {
    /**
     * Answers `status` with what `write` returns, at most once per key: `write` runs inside a
     * journal transaction (it must be synchronous, as the journal's transactions are), and a request
     * repeating an earlier one's key gets that one's stored answer, with `Idempotent-Replayed: true`.
     * Without the header, `write` runs as it would without this. `stored` is what a replay answers
     * (default: the answer itself): a secret shown once leaves it out, so no table keeps it in clear.
     */
    send(
      request: FastifyRequest,
      reply: FastifyReply,
      status: number,
      write: () => unknown,
      stored: (body: unknown) => unknown = (body) => body,
    ): FastifyReply {
      const key = keyOf(request);
      if (key === null) return reply.code(status).send(write());
      const owner = ownerOf(request);
      const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
      const fingerprint = fingerprintOf(request, route);
      const outcome = journal.transaction((): { replayed: StoredAnswer } | { body: unknown } => {
        const now = clock.now();
        s.expire.run(owner, key, new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS).toISOString());
        if (s.claim.run(owner, key, fingerprint, route, now.toISOString()).changes === 0) {
          const stored = s.read.get(owner, key)!;
          if (stored.fingerprint !== fingerprint) {
            throw new AppError(
              422,
              'idempotency_key_reused',
              `Idempotency-Key: already used for another request (${stored.route}, or other parameters or body); use a new key for a new request`,
              { route: stored.route },
            );
          }
          return { replayed: stored };
        }
        const body = write();
        if (isThenable(body)) throw new Error('an idempotent write must be synchronous: its answer is stored in its transaction');
        s.answer.run(status, JSON.stringify(stored(body) ?? null), owner, key);
        return { body };
      });
      if ('body' in outcome) return reply.code(status).send(outcome.body);
      return reply.code(outcome.replayed.status).header(REPLAYED_HEADER, 'true').type('application/json; charset=utf-8').send(outcome.replayed.response);
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;

function keyOf(request: FastifyRequest): string | null {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) return null;
  // Node joins a repeated header with ", ": two keys are not one.
  if (typeof header !== 'string' || !KEY_SHAPE.test(header)) {
    throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key: must be one value of 1 to 255 printable ASCII characters, without spaces');
  }
  return header;
}

/** The routes that take a key are a person's: every credential of theirs shares their keys. */
const ownerOf = (request: FastifyRequest): string => `user:${userOf(request.principal, 'send an Idempotency-Key').id}`;

/** The request a key stands for: its route, parameters, query and body, whatever their key order. */
function fingerprintOf(request: FastifyRequest, route: string): string {
  return createHash('sha256')
    .update(canonicalJson([route, request.params ?? null, request.query ?? null, request.body ?? null]))
    .digest('base64url');
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
