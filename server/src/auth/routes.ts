import { DEFAULT_RETURN_PATH, safeReturnPath, type MeResponse } from '@weft/shared';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import { OWNER, SESSION_COOKIE } from '../plugins/auth';
import { createSignInAudit } from '../people/sign-in-audit';
import { createUserAccounts } from '../people/user-accounts';
import { startSession } from './session-cookie';
import { signInAddress } from './sign-in-guard';
import { safeEqual } from './token-store';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A person followed a link: they get a page, not JSON. */
const limitedPage = (seconds: number) => `<!doctype html><meta charset="utf-8"><title>Weft</title>
<h1>Too many failed sign-ins</h1><p>This address tried too many invalid sign-in links or tokens. Try again in ${escapeHtml(String(Math.ceil(seconds / 60)))} minute(s).</p>`;

/**
 * Sign-in and sign-out. Both ways in (the printed one-time link, the token pasted into the form)
 * start a browser session: a random id in an HttpOnly cookie, stored hashed, ended by sign-out or
 * its expiry. Failed attempts are rate limited per client address.
 */
const authRoutes: FastifyPluginAsync = async (app) => {
  const { token, signInLinks, sessions, signInLimiter, proxyTrust, users } = app.auth;

  const accounts = createUserAccounts({ db: app.db, clock: app.clock });
  const signInAudit = createSignInAudit({ audit: app.audit, accounts });
  /** The first-start link and the access token both sign in the owner. */
  const signInOwner = (request: FastifyRequest, reply: FastifyReply, method: 'link' | 'token') =>
    app.db.transaction(() => {
      signInAudit.signedIn(users.get(OWNER.id) ?? { id: OWNER.id, name: OWNER.id }, method);
      startSession({ auth: app.auth, request, reply, principalId: OWNER.id });
    })();

  app.get('/login', async (request, reply) => {
    const address = proxyTrust.clientAddress(request.raw);
    const limit = signInLimiter.check(address);
    if (!limit.ok) {
      return reply
        .code(429)
        .header('retry-after', String(limit.retryAfterSeconds))
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(limitedPage(limit.retryAfterSeconds));
    }
    const query = request.query as Record<string, unknown>;
    const code = typeof query.code === 'string' && query.code.length <= 200 ? query.code : undefined;
    const next = safeReturnPath(query.next);
    if (code === undefined || !signInLinks.consume(code, OWNER.id)) {
      signInLimiter.fail(address);
      app.db.transaction(() => signInAudit.failed({ method: 'link' }))();
      return reply.redirect(`/signin?reason=link${next ? `&next=${encodeURIComponent(next)}` : ''}`, 303);
    }
    signInLimiter.succeed(address);
    signInOwner(request, reply, 'link');
    return reply.redirect(next ?? DEFAULT_RETURN_PATH, 303);
  });

  app.post('/auth/login', async (request, reply) => {
    const address = signInAddress({ auth: app.auth, request, reply });
    const body = parseRequest(z.object({ token: z.string().min(1).max(500) }), request.body, 'body');
    if (!safeEqual(body.token, token)) {
      signInLimiter.fail(address);
      app.db.transaction(() => signInAudit.failed({ method: 'token' }))();
      throw new AppError(401, 'unauthorized', 'access token is invalid');
    }
    signInLimiter.succeed(address);
    signInOwner(request, reply, 'token');
    return reply.code(204).send();
  });

  app.post('/auth/logout', async (request, reply) => {
    const sessionId = request.cookies[SESSION_COOKIE];
    if (sessionId !== undefined) {
      const session = sessions.lookup(sessionId);
      const user = session && users.get(session.principalId);
      app.db.transaction(() => {
        sessions.end(sessionId);
        if (user) signInAudit.signedOut(user);
      })();
      // The browser socket this session opened closes now (4401), not at its next heartbeat.
      if (session) app.auth.changes.changed(session.principalId);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/me', async (request): Promise<MeResponse> => {
    const principal = request.principal;
    // The route is the user's (public-routes.ts): anything else never gets here.
    if (principal?.type !== 'user') throw new AppError(401, 'unauthorized', 'a credential is required');
    const row = app.auth.users.get(principal.id);
    return {
      type: 'user',
      id: principal.id,
      name: principal.name,
      email: row?.email ?? null,
      role: principal.role,
      scopes: principal.scopes,
      via: principal.via,
      setupRequired: principal.id === OWNER.id && row?.password_hash === null,
      ssoLinked: row?.oidc_subject != null,
    };
  });
};

export default authRoutes;
