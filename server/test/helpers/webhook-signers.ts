import { createHmac } from 'node:crypto';

/**
 * Senders' signatures, written from each sender's documentation (not from the server's code), so
 * a test shows a real sender is accepted as it is. `ts` is unix seconds.
 */
const hex = (secret: string, data: string | Buffer) => createHmac('sha256', secret).update(data).digest('hex');

/** Weft: HMAC-SHA256(secret, "<timestamp>.<path and query exactly as sent>.<raw body>"). */
export function weftHeaders({ secret, target, body, ts }: { secret: string; target: string; body: string | Buffer; ts: number }): Record<string, string> {
  const signed = Buffer.concat([Buffer.from(`${ts}.${target}.`), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
  return { 'x-weft-timestamp': String(ts), 'x-weft-signature': `sha256=${hex(secret, signed)}` };
}

/** GitHub ("Validating webhook deliveries"): X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the payload. */
export function githubHeaders({ secret, body, delivery }: { secret: string; body: string | Buffer; delivery?: string }): Record<string, string> {
  return { 'x-hub-signature-256': `sha256=${hex(secret, body)}`, 'x-github-event': 'push', ...(delivery ? { 'x-github-delivery': delivery } : {}) };
}

/**
 * Stripe ("Verify the events that Stripe sends"): signed_payload = "<t>.<payload>", HMAC-SHA256
 * with the endpoint secret; Stripe-Signature: t=<t>,v1=<sig>[,v0=<test-mode sig>]. `extraV1`
 * adds the signatures of other secrets (Stripe sends one per active secret while rolling).
 */
export function stripeHeaders({ secret, body, ts, extraV1 = [] }: { secret: string; body: string; ts: number; extraV1?: string[] }): Record<string, string> {
  const v1 = [...extraV1.map((other) => hex(other, `${ts}.${body}`)), hex(secret, `${ts}.${body}`)];
  return { 'stripe-signature': [`t=${ts}`, ...v1.map((s) => `v1=${s}`), `v0=${'0'.repeat(64)}`].join(',') };
}

/**
 * Slack ("Verifying requests from Slack"): sig_basestring = "v0:" + timestamp + ":" + body;
 * X-Slack-Signature = "v0=" + hex HMAC-SHA256(signing secret, sig_basestring).
 */
export function slackHeaders({ secret, body, ts }: { secret: string; body: string; ts: number }): Record<string, string> {
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hex(secret, `v0:${ts}:${body}`)}` };
}
