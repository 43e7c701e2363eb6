import { type AuthOptionsResponse, DEFAULT_RETURN_PATH, safeReturnPath } from '@weft/shared';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { startSession } from '../session-cookie';
import { createOidcClient, type SsoClaims } from './oidc-client';
import { createPendingSignIns, PENDING_TTL_MS } from './pending-sign-ins';
import { createSsoUsers, type SsoFailure } from './sso-users';

/** Ties the provider's return to the browser that started: it holds the `state` it was sent with. */
const STATE_COOKIE = 'weft_oidc_state';
const CALLBACK_PATH = '/auth/oidc/callback';

/**
 * Single sign-on with OpenID Connect (authorization code flow with PKCE). The browser is sent to
 * the provider with state and nonce kept here, and comes back to the callback, which checks them
 * and the ID token, then starts the same browser session as every other sign-in. Any failure
 * lands on the sign-in page with `reason=sso` (or `disabled`) and says nothing more; the audit
 * log holds the reason.
 */
const oidcRoutes: FastifyPluginAsync = async (app) => {
  const settings = app.config.oidc;
  const oidc = settings === null ? null : createOidcClient(settings);
  const pending = createPendingSignIns({ db: app.db, clock: app.clock });
  const ssoUsers = createSsoUsers({
    db: app.db,
    clock: app.clock,
    users: app.auth.users,
    audit: app.audit,
    roleClaim: settings?.roleClaim != null,
    linkByEmail: settings?.linkByEmail ?? false,
  });

  const isHttps = (request: FastifyRequest) => app.auth.proxyTrust.isHttps(request.raw);
  // The Host header already passed the host policy (plugins/auth.ts): it is a name this server answers to.
  const callbackUrl = (request: FastifyRequest) => `${isHttps(request) ? 'https' : 'http'}://${request.headers.host}${CALLBACK_PATH}`;

  const fail = (reply: FastifyReply, reason: SsoFailure, err?: unknown) => {
    if (err !== undefined) app.log.warn({ err, reason }, 'single sign-on failed');
    try {
      ssoUsers.recordFailure(reason, null);
    } catch (auditErr) {
      app.log.error({ err: auditErr }, 'could not record a failed single sign-on');
    }
    return reply.redirect('/signin?reason=sso', 303);
  };

  /** Linking is for a person signed in through this browser, never a token. */
  const sessionOf = (request: FastifyRequest) => {
    const principal = request.principal;
    return principal?.type === 'user' && principal.via === 'session' && principal.credentialId !== null
      ? { userId: principal.id, sessionId: principal.credentialId }
      : null;
  };
  /**
   * The provider's redirect back is cross-site, so the Strict session cookie is not sent with it:
   * the state cookie and the one-time state tie the callback to the browser that started, and the
   * session that asked must still be signed in.
   */
  const stillSignedIn = ({ userId, sessionId }: { userId: string; sessionId: string }) =>
    app.auth.sessions.listFor(userId).some((session) => session.id === sessionId);
  const REFUSED: Record<string, string> = { disabled: '/signin?reason=disabled', link_required: '/signin?reason=sso_link' };

  app.get(
    '/auth/options',
    async (): Promise<AuthOptionsResponse> => ({
      password: true,
      sso: { enabled: oidc !== null, label: oidc?.label ?? null },
    }),
  );

  app.get('/auth/oidc/start', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (oidc === null) return reply.redirect('/signin?reason=sso', 303);
    const query = request.query as Record<string, unknown>;
    const next = safeReturnPath(query.next);
    const linkTo = query.link === '1' ? sessionOf(request) : null;
    if (query.link === '1' && linkTo === null) return reply.redirect('/signin?reason=sso', 303);
    const redirectUri = callbackUrl(request);
    let started: Awaited<ReturnType<typeof oidc.start>>;
    try {
      started = await oidc.start(redirectUri);
    } catch (err) {
      return fail(reply, 'unavailable', err);
    }
    pending.put(started.state, { codeVerifier: started.codeVerifier, nonce: started.nonce, redirectUri, next, linkTo });
    // Lax, not Strict: the provider's redirect back is a cross-site navigation.
    reply.setCookie(STATE_COOKIE, started.state, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/auth/oidc',
      secure: isHttps(request),
      maxAge: PENDING_TTL_MS / 1000,
    });
    return reply.redirect(started.url, 303);
  });

  app.get(CALLBACK_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.clearCookie(STATE_COOKIE, { path: '/auth/oidc' });
    if (oidc === null) return reply.redirect('/signin?reason=sso', 303);
    const query = request.query as Record<string, unknown>;
    const state = typeof query.state === 'string' ? query.state : '';
    // One-time: taken whatever happens next, so a replayed or stolen callback finds nothing.
    const started = state === '' ? null : pending.take(state);
    if (started === null || request.cookies[STATE_COOKIE] !== state) return fail(reply, 'state');
    if (query.error !== undefined) return fail(reply, 'provider_error');
    const url = new URL(started.redirectUri);
    url.search = new URL(request.url, 'http://callback').search;
    let claims: SsoClaims;
    try {
      claims = await oidc.finish({ callbackUrl: url, state, codeVerifier: started.codeVerifier, nonce: started.nonce });
    } catch (err) {
      // A refused code, a bad or unsigned ID token, a wrong nonce, or the provider unreachable.
      return fail(reply, 'token', err);
    }
    try {
      if (started.linkTo !== null) {
        if (!stillSignedIn(started.linkTo)) return fail(reply, 'state');
        const linked = ssoUsers.link(claims, started.linkTo.userId);
        return reply.redirect(linked.ok ? (started.next ?? '/account') : '/account?sso=refused', 303);
      }
      const result = ssoUsers.signIn(claims);
      if (!result.ok) return reply.redirect(REFUSED[result.reason] ?? '/signin?reason=sso', 303);
      // The provider's role claim may have changed their role: their open sockets are re-checked.
      app.auth.changes.changed(result.user.id);
      startSession({ auth: app.auth, request, reply, principalId: result.user.id });
    } catch (err) {
      return fail(reply, 'internal', err);
    }
    return reply.redirect(started.next ?? DEFAULT_RETURN_PATH, 303);
  });
};

export default oidcRoutes;
