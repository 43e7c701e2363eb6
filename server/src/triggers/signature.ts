import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_SIGNATURE_TOLERANCE_SECONDS, type WebhookVerify } from '@weft/shared';

type Headers = Record<string, string | string[] | undefined>;

export type SignatureRefusal = {
  reason: 'missing_signature' | 'missing_timestamp' | 'bad_signature' | 'stale_signature';
  message: string;
};

/**
 * `replayKey`: what makes this delivery this one (the scheme's signature, with its timestamp):
 * the same key again is a replay. `signsQuery`: the query string is covered by the signature
 * (only then does it reach the workflow).
 */
export type SignatureCheck = { ok: true; replayKey: string | null; signsQuery: boolean } | ({ ok: false } & SignatureRefusal);

const HEX64 = /^[0-9a-fA-F]{64}$/;
const SECONDS = /^\d{1,12}$/;

const hmac = (secret: string, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Constant time over equal lengths; anything but 64 hex digits is simply wrong. */
function sameDigest(expected: Buffer, presentedHex: string): boolean {
  if (!HEX64.test(presentedHex)) return false;
  return timingSafeEqual(expected, Buffer.from(presentedHex, 'hex'));
}

function one(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const refuse = (reason: SignatureRefusal['reason'], message: string): SignatureCheck => ({ ok: false, reason, message });

function stale(header: string, timestamp: number, nowMs: number): SignatureCheck | null {
  const age = Math.round(nowMs / 1000) - timestamp;
  if (Math.abs(age) <= WEBHOOK_SIGNATURE_TOLERANCE_SECONDS) return null;
  return refuse(
    'stale_signature',
    `${header}: ${age > 0 ? `${age} s old` : `${-age} s in the future`}; signatures are accepted within ${WEBHOOK_SIGNATURE_TOLERANCE_SECONDS} s of the server's clock`,
  );
}

/** `X-Weft-Timestamp: <unix seconds>`, `X-Weft-Signature: sha256=<hex HMAC(secret, "<ts>.<path and query>.<raw body>")>`. */
function weft({ secret, raw, target, headers, nowMs }: VerifyInput): SignatureCheck {
  const signature = one(headers, 'x-weft-signature');
  const timestamp = one(headers, 'x-weft-timestamp');
  if (signature === undefined)
    return refuse('missing_signature', 'X-Weft-Signature: header is required (sha256=<hex HMAC-SHA256 of "<X-Weft-Timestamp>.<path and query>.<body>">)');
  if (timestamp === undefined) {
    return refuse(
      'missing_timestamp',
      'X-Weft-Timestamp: header is required (unix seconds); X-Weft-Signature signs "<timestamp>.<path and query>.<body>", not the body alone',
    );
  }
  if (!SECONDS.test(timestamp)) return refuse('bad_signature', 'X-Weft-Timestamp: must be unix seconds');
  const m = /^sha256=(.*)$/.exec(signature);
  if (!m || !sameDigest(hmac(secret, timestamp, '.', target, '.', raw), m[1]!)) {
    return refuse('bad_signature', 'X-Weft-Signature: does not match "<X-Weft-Timestamp>.<path and query>.<body>"');
  }
  return stale('X-Weft-Timestamp', Number(timestamp), nowMs) ?? { ok: true, replayKey: `weft:${m[1]!.toLowerCase()}`, signsQuery: true };
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC(secret, raw body)>`; no timestamp. */
function github({ secret, raw, headers }: VerifyInput): SignatureCheck {
  const signature = one(headers, 'x-hub-signature-256');
  if (signature === undefined) return refuse('missing_signature', 'X-Hub-Signature-256: header is required (sha256=<hex HMAC-SHA256 of the body>)');
  const m = /^sha256=(.*)$/.exec(signature);
  if (!m || !sameDigest(hmac(secret, raw), m[1]!)) return refuse('bad_signature', 'X-Hub-Signature-256: does not match the body');
  return { ok: true, replayKey: `github:${m[1]!.toLowerCase()}`, signsQuery: false };
}

/** Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>…]` over "<t>.<raw body>"; any v1 may match. */
function stripe({ secret, raw, headers, nowMs }: VerifyInput): SignatureCheck {
  const header = one(headers, 'stripe-signature');
  if (header === undefined) return refuse('missing_signature', 'Stripe-Signature: header is required (t=<timestamp>,v1=<signature>)');
  let t: string | undefined;
  const v1: string[] = [];
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    const name = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (at > 0 && name === 't') t = value;
    else if (at > 0 && name === 'v1') v1.push(value);
  }
  if (t === undefined || !SECONDS.test(t) || v1.length === 0)
    return refuse('bad_signature', 'Stripe-Signature: needs t=<timestamp> and at least one v1=<signature>');
  const expected = hmac(secret, t, '.', raw);
  // Every candidate is compared, so the time taken does not say which one matched.
  const matched = v1.reduce<string | null>((found, candidate) => (sameDigest(expected, candidate) ? candidate : found), null);
  if (matched === null) return refuse('bad_signature', 'Stripe-Signature: no v1 signature matches "<t>.<body>"');
  return stale('Stripe-Signature t', Number(t), nowMs) ?? { ok: true, replayKey: `stripe:${t}:${matched.toLowerCase()}`, signsQuery: false };
}

/** Slack: `X-Slack-Signature: v0=<hex HMAC(secret, "v0:<ts>:<raw body>")>` with `X-Slack-Request-Timestamp`. */
function slack({ secret, raw, headers, nowMs }: VerifyInput): SignatureCheck {
  const signature = one(headers, 'x-slack-signature');
  const timestamp = one(headers, 'x-slack-request-timestamp');
  if (signature === undefined) return refuse('missing_signature', 'X-Slack-Signature: header is required (v0=<signature>)');
  if (timestamp === undefined) return refuse('missing_timestamp', 'X-Slack-Request-Timestamp: header is required');
  if (!SECONDS.test(timestamp)) return refuse('bad_signature', 'X-Slack-Request-Timestamp: must be unix seconds');
  const m = /^v0=(.*)$/.exec(signature);
  if (!m || !sameDigest(hmac(secret, 'v0:', timestamp, ':', raw), m[1]!))
    return refuse('bad_signature', 'X-Slack-Signature: does not match "v0:<timestamp>:<body>"');
  return (
    stale('X-Slack-Request-Timestamp', Number(timestamp), nowMs) ?? { ok: true, replayKey: `slack:${timestamp}:${m[1]!.toLowerCase()}`, signsQuery: false }
  );
}

export type VerifyInput = {
  secret: string;
  /** The body exactly as received, before any parsing. */
  raw: Buffer;
  /** The request target exactly as sent (`/hooks/<path>?<query>`), never a re-serialised one. */
  target: string;
  headers: Headers;
  nowMs: number;
};

/** Checks a delivery against its trigger's scheme. A secret is required for every scheme but "none". */
export function verifySignature(scheme: WebhookVerify, input: Omit<VerifyInput, 'secret'> & { secret: string | null }): SignatureCheck {
  if (scheme === 'none') return { ok: true, replayKey: null, signsQuery: true };
  // A signed scheme without a secret cannot be satisfied (the upsert always stores one).
  if (input.secret === null) return refuse('bad_signature', `trigger has no secret for verify "${scheme}"`);
  const withSecret = { ...input, secret: input.secret };
  switch (scheme) {
    case 'weft':
      return weft(withSecret);
    case 'github':
      return github(withSecret);
    case 'stripe':
      return stripe(withSecret);
    case 'slack':
      return slack(withSecret);
    default: {
      const never: never = scheme;
      throw new Error(`unknown webhook scheme ${String(never)}`);
    }
  }
}
