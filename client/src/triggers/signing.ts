import type { WebhookVerify } from '@weft/shared';

/** Every scheme a hook can verify, as a person chooses it; the compiler checks none is missing. */
export const SCHEMES: { readonly [K in WebhookVerify]: { label: string; hint: string } } = {
  weft: { label: 'Weft', hint: 'Your own scripts sign the time, path and body' },
  github: { label: 'GitHub', hint: 'X-Hub-Signature-256, as GitHub sends it' },
  stripe: { label: 'Stripe', hint: 'Stripe-Signature, as Stripe sends it' },
  slack: { label: 'Slack', hint: 'X-Slack-Signature, as Slack sends it' },
  none: { label: 'Unsigned', hint: 'Anyone who knows the URL can start it' },
};
export const SCHEME_ORDER: readonly WebhookVerify[] = ['weft', 'github', 'stripe', 'slack', 'none'];

/** Single-quoted for a POSIX shell: the value reaches openssl as data, whatever it holds. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * A shell example that signs one call the weft way: HMAC-SHA256 of "<timestamp>.<path>.<body>"
 * with openssl, sent with curl. Without `secret` it reads the secret from $WEFT_HOOK_SECRET.
 */
export function weftCurlExample({ url, path, secret }: { url: string; path: string; secret?: string | undefined }): string {
  return [
    secret !== undefined ? `WEFT_HOOK_SECRET=${shellQuote(secret)}` : '# WEFT_HOOK_SECRET: this trigger’s signing secret',
    `body='{"hello":"world"}'`,
    'ts=$(date +%s)',
    `sig=$(printf '%s' "$ts./hooks/${path}.$body" | openssl dgst -sha256 -hmac "$WEFT_HOOK_SECRET" | sed 's/^.* //')`,
    `curl -X POST ${shellQuote(url)} -H 'content-type: application/json' -H "x-weft-timestamp: $ts" -H "x-weft-signature: sha256=$sig" --data-binary "$body"`,
  ].join('\n');
}

/** Where a sender's settings take this hook's URL and secret. */
export function senderSetup(scheme: Exclude<WebhookVerify, 'weft'>, url: string): string {
  switch (scheme) {
    case 'github':
      return `In GitHub: Settings → Webhooks → Add webhook. Payload URL ${url}, content type application/json, and this trigger’s secret as the Secret.`;
    case 'stripe':
      return `In Stripe: Developers → Webhooks → Add endpoint with ${url}, then paste the endpoint’s Signing secret (whsec_…) here.`;
    case 'slack':
      return `In your Slack app: use ${url} as the Request URL (Event Subscriptions, Slash Commands or Interactivity), then paste Basic Information → Signing Secret here.`;
    case 'none':
      return `POST JSON or a form to ${url}. Nothing proves who sent it, so only a server that listens on this machine alone accepts it (unless WEFT_ALLOW_UNSIGNED_HOOKS=1).`;
    default: {
      const unexpected: never = scheme;
      return unexpected;
    }
  }
}
