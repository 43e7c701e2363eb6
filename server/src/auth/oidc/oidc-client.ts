import type * as OpenIdClient from 'openid-client';
import type { OidcConfig } from '../../config';

/** Provider calls (discovery, token, keys) that take longer than this fail the sign-in. */
const PROVIDER_TIMEOUT_S = 10;

export type SsoClaims = { iss: string; sub: string; email: string | null; emailVerified: boolean; name: string | null; roleValue: unknown };

export type OidcClient = ReturnType<typeof createOidcClient>;

/** openid-client is imported at the first sign-in that needs it, not at start-up (most servers never do). */
let library: Promise<typeof OpenIdClient> | undefined;
const openIdClient = () => (library ??= import('openid-client'));

/**
 * The relying party, through openid-client: discovery (cached once it succeeds, retried after a
 * failure, so a provider that was down at start is picked up later), the authorization URL with
 * PKCE, state and nonce, and the code exchange, which checks the ID token's signature, issuer,
 * audience, expiry and nonce.
 */
export function createOidcClient(settings: OidcConfig) {
  const issuer = new URL(settings.issuer);
  let discovered: Promise<OpenIdClient.Configuration> | null = null;
  const configuration = () => {
    discovered ??= openIdClient()
      .then((client) =>
        client.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
          timeout: PROVIDER_TIMEOUT_S,
          // config.ts allows plain http only for a provider on loopback.
          ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
        }),
      )
      .catch((err: unknown) => {
        discovered = null;
        throw err;
      });
    return discovered;
  };

  return {
    /** The provider's name for the sign-in button: its host. */
    label: issuer.host,

    /** Where to send the browser, and what the callback must remember (kept server-side). */
    async start(redirectUri: string) {
      const [client, config] = await Promise.all([openIdClient(), configuration()]);
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, state, codeVerifier, nonce };
    },

    /** Exchanges the callback's code; throws on anything the checks refuse. */
    async finish({ callbackUrl, state, codeVerifier, nonce }: { callbackUrl: URL; state: string; codeVerifier: string; nonce: string }): Promise<SsoClaims> {
      const [client, config] = await Promise.all([openIdClient(), configuration()]);
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined) throw new Error('the provider returned no ID token');
      const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
      return {
        iss: claims.iss,
        sub: claims.sub,
        email: text(claims.email)?.toLowerCase() ?? null,
        emailVerified: claims.email_verified === true,
        name: text(claims.name) ?? text(claims.preferred_username),
        roleValue: settings.roleClaim === null ? undefined : claims[settings.roleClaim],
      };
    },
  };
}
